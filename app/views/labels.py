"""Translated names for domain values (statuses, sources, roles, kinds, reasons).

The domain speaks in English identifiers; what the operator reads goes
through Qt's translation here, in one place.  GUI thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication


def status_label(status: str) -> str:
    return {
        "reported": QCoreApplication.translate("Labels", "Reported"),
        "verified": QCoreApplication.translate("Labels", "Verified"),
        "registered": QCoreApplication.translate("Labels", "Registered"),
        "cancelled": QCoreApplication.translate("Labels", "Cancelled"),
        "dispatched": QCoreApplication.translate("Labels", "Dispatched"),
        "returned": QCoreApplication.translate("Labels", "Returned"),
        "handled": QCoreApplication.translate("Labels", "Handled"),
        "closed": QCoreApplication.translate("Labels", "Closed"),
    }.get(status, status)


def source_label(source: str) -> str:
    return {
        "supervisor": QCoreApplication.translate("Labels", "Field supervisor"),
        "hotline": QCoreApplication.translate("Labels", "12345 hotline"),
        "public": QCoreApplication.translate("Labels", "Public report"),
        "video": QCoreApplication.translate("Labels", "Video / IoT alarm"),
        "leader": QCoreApplication.translate("Labels", "Leader's assignment"),
        "media": QCoreApplication.translate("Labels", "Media"),
        "dispatcher": QCoreApplication.translate("Labels", "Command centre"),
    }.get(source, source)


def role_label(role: str) -> str:
    return {
        "acceptor": QCoreApplication.translate("Labels", "Acceptor"),
        "shift_leader": QCoreApplication.translate("Labels", "Shift leader"),
        "dispatcher": QCoreApplication.translate("Labels", "Dispatcher"),
        "department": QCoreApplication.translate("Labels", "Department"),
        "supervisor": QCoreApplication.translate("Labels", "Field supervisor"),
        "admin": QCoreApplication.translate("Labels", "Administrator"),
    }.get(role, role)


def action_label(kind: str) -> str:
    return {
        "register_case": QCoreApplication.translate("Labels", "Register"),
        "cancel_case": QCoreApplication.translate("Labels", "Cancel"),
        "dispatch_case": QCoreApplication.translate("Labels", "Dispatch"),
        "return_case": QCoreApplication.translate("Labels", "Return"),
        "report_handled": QCoreApplication.translate("Labels", "Report handled"),
        "rework_case": QCoreApplication.translate("Labels", "Rework"),
        "close_case": QCoreApplication.translate("Labels", "Close"),
        "add_note": QCoreApplication.translate("Labels", "Note"),
    }.get(kind, kind)


def vehicle_kind_label(kind: str) -> str:
    return {
        "sweeper": QCoreApplication.translate("Labels", "Sweeper"),
        "sprinkler": QCoreApplication.translate("Labels", "Sprinkler"),
        "muck_truck": QCoreApplication.translate("Labels", "Muck truck"),
        "patrol": QCoreApplication.translate("Labels", "Patrol car"),
    }.get(kind, kind)


def reason_text(reason: dict[str, Any] | None) -> str:
    """A rejection reason, in the operator's language."""
    if not reason:
        return QCoreApplication.translate("Labels", "Rejected without a reason")
    code = reason.get("code", "")
    p = reason.get("params") or {}
    if code == "wrong_status":
        return QCoreApplication.translate("Labels", "Case {number} is already {status} (by {by} at {at} from {workstation})").format(
            number=p.get("number", "?"), status=status_label(str(p.get("status", ""))),
            by=p.get("by") or "?", at=(p.get("at") or "?").replace("T", " ")[:16],
            workstation=p.get("workstation") or "?")
    if code == "no_such_case":
        return QCoreApplication.translate("Labels", "The case does not exist on the server")
    if code == "role_forbidden":
        return QCoreApplication.translate("Labels", "A {role} may not {action}").format(
            role=role_label(str(p.get("role", ""))), action=action_label(str(p.get("action", ""))))
    if code == "reason_required":
        return QCoreApplication.translate("Labels", "A reason is required")
    if code == "no_such_department":
        return QCoreApplication.translate("Labels", "The department does not exist")
    if code == "no_such_category":
        return QCoreApplication.translate("Labels", "The category does not exist")
    if code == "no_such_cell":
        return QCoreApplication.translate("Labels", "The grid cell does not exist")
    if code == "bad_location":
        return QCoreApplication.translate("Labels", "The location is not in the district")
    if code == "case_exists":
        return QCoreApplication.translate("Labels", "The case already exists")
    if code == "empty_note":
        return QCoreApplication.translate("Labels", "A note needs text")
    if code == "operator_mismatch":
        return QCoreApplication.translate("Labels", "The command was signed by another operator")
    if code == "malformed":
        return QCoreApplication.translate("Labels", "The command was malformed")
    return str(reason.get("message") or code)
