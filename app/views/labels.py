"""Translated names for domain values (statuses, sources, roles, kinds, reasons).

The domain speaks in English identifiers; what the operator reads goes
through Qt's translation here, in one place.  GUI thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication


def _t(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


def status_label(status: str) -> str:
    return {
        "reported": _t("Reported"),
        "verified": _t("Verified"),
        "registered": _t("Registered"),
        "cancelled": _t("Cancelled"),
        "dispatched": _t("Dispatched"),
        "returned": _t("Returned"),
        "handled": _t("Handled"),
        "closed": _t("Closed"),
    }.get(status, status)


def source_label(source: str) -> str:
    return {
        "supervisor": _t("Field supervisor"),
        "hotline": _t("12345 hotline"),
        "public": _t("Public report"),
        "video": _t("Video / IoT alarm"),
        "leader": _t("Leader's assignment"),
        "media": _t("Media"),
        "dispatcher": _t("Command centre"),
    }.get(source, source)


def role_label(role: str) -> str:
    return {
        "acceptor": _t("Acceptor"),
        "shift_leader": _t("Shift leader"),
        "dispatcher": _t("Dispatcher"),
        "department": _t("Department"),
        "supervisor": _t("Field supervisor"),
        "admin": _t("Administrator"),
    }.get(role, role)


def action_label(kind: str) -> str:
    return {
        "register_case": _t("Register"),
        "cancel_case": _t("Cancel"),
        "dispatch_case": _t("Dispatch"),
        "return_case": _t("Return"),
        "report_handled": _t("Report handled"),
        "rework_case": _t("Rework"),
        "close_case": _t("Close"),
        "add_note": _t("Note"),
    }.get(kind, kind)


def vehicle_kind_label(kind: str) -> str:
    return {
        "sweeper": _t("Sweeper"),
        "sprinkler": _t("Sprinkler"),
        "muck_truck": _t("Muck truck"),
        "patrol": _t("Patrol car"),
    }.get(kind, kind)


def reason_text(reason: dict[str, Any] | None) -> str:
    """A rejection reason, in the operator's language."""
    if not reason:
        return _t("Rejected without a reason")
    code = reason.get("code", "")
    p = reason.get("params") or {}
    if code == "wrong_status":
        return _t("Case {number} is already {status} (by {by} at {at} from {workstation})").format(
            number=p.get("number", "?"), status=status_label(str(p.get("status", ""))),
            by=p.get("by") or "?", at=(p.get("at") or "?").replace("T", " ")[:16],
            workstation=p.get("workstation") or "?")
    if code == "no_such_case":
        return _t("The case does not exist on the server")
    if code == "role_forbidden":
        return _t("A {role} may not {action}").format(
            role=role_label(str(p.get("role", ""))), action=action_label(str(p.get("action", ""))))
    if code == "reason_required":
        return _t("A reason is required")
    if code == "no_such_department":
        return _t("The department does not exist")
    if code == "no_such_category":
        return _t("The category does not exist")
    if code == "no_such_cell":
        return _t("The grid cell does not exist")
    if code == "bad_location":
        return _t("The location is not in the district")
    if code == "case_exists":
        return _t("The case already exists")
    if code == "empty_note":
        return _t("A note needs text")
    if code == "operator_mismatch":
        return _t("The command was signed by another operator")
    if code == "malformed":
        return _t("The command was malformed")
    return str(reason.get("message") or code)
