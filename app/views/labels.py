"""Translated names for domain values (statuses, sources, roles, kinds, reasons).

The domain speaks in English identifiers; what the operator reads goes
through Qt's translation here, in one place.  GUI thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

from core.problems import Problem, problem_of


def status_label(status: str) -> str:
    return {
        "reported": QCoreApplication.translate("Labels", "Reported"),
        "verified": QCoreApplication.translate("Labels", "Verified"),
        "registered": QCoreApplication.translate("Labels", "Registered"),
        "cancelled": QCoreApplication.translate("Labels", "Cancelled"),
        "dispatched": QCoreApplication.translate("Labels", "Dispatched"),
        "returned": QCoreApplication.translate("Labels", "Returned"),
        "handled": QCoreApplication.translate("Labels", "Handled"),
        "checked": QCoreApplication.translate("Labels", "Checked on site"),
        "deferred": QCoreApplication.translate("Labels", "Deferred"),
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
        "leader": QCoreApplication.translate("Labels", "Leader"),
        "hotline": QCoreApplication.translate("Labels", "12345 platform"),
        "dispatcher": QCoreApplication.translate("Labels", "Dispatcher"),
        "department": QCoreApplication.translate("Labels", "Department"),
        "supervisor": QCoreApplication.translate("Labels", "Field supervisor"),
        "admin": QCoreApplication.translate("Labels", "Administrator"),
    }.get(role, role)


def action_label(kind: str) -> str:
    return {
        "report_case": QCoreApplication.translate("Labels", "Report"),
        "verify_case": QCoreApplication.translate("Labels", "Verify"),
        "locate_case": QCoreApplication.translate("Labels", "Locate"),
        "register_case": QCoreApplication.translate("Labels", "Register"),
        "cancel_case": QCoreApplication.translate("Labels", "Cancel"),
        "dispatch_case": QCoreApplication.translate("Labels", "Dispatch"),
        "redispatch_case": QCoreApplication.translate("Labels", "Re-dispatch"),
        "return_case": QCoreApplication.translate("Labels", "Return"),
        "reject_return": QCoreApplication.translate("Labels", "Reject return"),
        "report_handled": QCoreApplication.translate("Labels", "Report handled"),
        "check_case": QCoreApplication.translate("Labels", "On-site check"),
        "rework_case": QCoreApplication.translate("Labels", "Rework"),
        "close_case": QCoreApplication.translate("Labels", "Close"),
        "callback_case": QCoreApplication.translate("Labels", "Callback"),
        "extend_case": QCoreApplication.translate("Labels", "Extend"),
        "defer_case": QCoreApplication.translate("Labels", "Defer"),
        "resume_case": QCoreApplication.translate("Labels", "Resume"),
        "escalate_case": QCoreApplication.translate("Labels", "Escalate"),
        "add_note": QCoreApplication.translate("Labels", "Note"),
        "attach_file": QCoreApplication.translate("Labels", "Attachment"),
        "define_geofence": QCoreApplication.translate("Labels", "Define geofences"),
    }.get(kind, kind)


def vehicle_kind_label(kind: str) -> str:
    return {
        "sweeper": QCoreApplication.translate("Labels", "Sweeper"),
        "sprinkler": QCoreApplication.translate("Labels", "Sprinkler"),
        "muck_truck": QCoreApplication.translate("Labels", "Muck truck"),
        "patrol": QCoreApplication.translate("Labels", "Patrol car"),
    }.get(kind, kind)


def reason_text(reason: dict[str, Any] | None) -> str:
    """A rejection reason (``{"code", "message", "params"}``), in the
    operator's language; its English message is never shown."""
    if not reason:
        return QCoreApplication.translate("Labels", "Rejected without a reason")
    params = reason.get("params")
    return problem_text(Problem(str(reason.get("code") or ""), str(reason.get("message") or ""),
                                params if isinstance(params, dict) else {}))


# The reasons that need no more than their parameters (if any) filled in;
# looked up when shown, so the text follows the installed translation.
_REASONS = {
    "no_such_case": lambda: QCoreApplication.translate("Labels", "The case does not exist on the server"),
    "reason_required": lambda: QCoreApplication.translate("Labels", "A reason is required"),
    "no_such_department": lambda: QCoreApplication.translate("Labels", "The department does not exist"),
    "no_such_category": lambda: QCoreApplication.translate("Labels", "The category does not exist"),
    "no_such_cell": lambda: QCoreApplication.translate("Labels", "The grid cell does not exist"),
    "bad_location": lambda: QCoreApplication.translate("Labels", "The location is not in the district"),
    "case_exists": lambda: QCoreApplication.translate("Labels", "The case already exists"),
    "empty_note": lambda: QCoreApplication.translate("Labels", "A note needs text"),
    "operator_mismatch": lambda: QCoreApplication.translate("Labels", "The command was signed by another operator"),
    "malformed": lambda: QCoreApplication.translate("Labels", "The command was malformed"),
    "not_your_case": lambda: QCoreApplication.translate(
        "Labels", "Case {number} is not with your department"),
    "callback_required": lambda: QCoreApplication.translate(
        "Labels", "A hotline case closes by its callback"),
    "not_hotline": lambda: QCoreApplication.translate("Labels", "Only hotline cases get a callback"),
    "leader_required": lambda: QCoreApplication.translate(
        "Labels", "A further extension needs a leader (already extended {count} time(s))"),
    "already_overdue": lambda: QCoreApplication.translate(
        "Labels", "The case is already overdue: escalate it instead"),
    "not_overdue": lambda: QCoreApplication.translate("Labels", "Only an overdue case can be escalated"),
    "no_deadline": lambda: QCoreApplication.translate("Labels", "The case has no deadline"),
    "not_located": lambda: QCoreApplication.translate(
        "Labels", "Give the case a category and a place on the map first"),
    "same_department": lambda: QCoreApplication.translate(
        "Labels", "The case is already with that department"),
    "bad_extension": lambda: QCoreApplication.translate(
        "Labels", "An extension must be more than nothing and at most 30 working days"),
    "bad_callback": lambda: QCoreApplication.translate(
        "Labels", "The callback result must be satisfied, unsatisfied or unreachable"),
    "too_long": lambda: QCoreApplication.translate("Labels", "The text is too long"),
    "empty_report": lambda: QCoreApplication.translate("Labels", "A report needs a description or an address"),
    "bad_time": lambda: QCoreApplication.translate("Labels", "A time is not valid"),
    "ticket_exists": lambda: QCoreApplication.translate("Labels", "That hotline ticket already has a case"),
    "bad_source": lambda: QCoreApplication.translate("Labels", "The case source is not valid"),
}


def callback_label(result: str) -> str:
    return {
        "satisfied": QCoreApplication.translate("Labels", "Satisfied"),
        "unsatisfied": QCoreApplication.translate("Labels", "Not satisfied"),
        "unreachable": QCoreApplication.translate("Labels", "Caller unreachable"),
    }.get(result, result)


def unit_label(unit: str) -> str:
    return {
        "work_hours": QCoreApplication.translate("Labels", "working hours"),
        "work_days": QCoreApplication.translate("Labels", "working days"),
        "hours": QCoreApplication.translate("Labels", "hours"),
    }.get(unit, unit)


def line_error_text(code: str, params: dict[str, Any]) -> str:
    """A command-bar line that could not be understood."""
    texts = {
        "empty": lambda: QCoreApplication.translate(
            "Labels", "Type a command, e.g. dispatch 2026112100012 D-SAN"),
        "unknown_verb": lambda: QCoreApplication.translate("Labels", "Unknown command: {word}"),
        "no_number": lambda: QCoreApplication.translate("Labels", "{verb} needs a case number"),
        "no_such_number": lambda: QCoreApplication.translate("Labels", "No case has the number {number}"),
        "bad_duration": lambda: QCoreApplication.translate(
            "Labels", "Not a duration: {token} (use e.g. 2h, 1d or 90m)"),
        "bad_result": lambda: QCoreApplication.translate(
            "Labels", "Not a callback result: {token} (satisfied, unsatisfied or unreachable)"),
        "no_such_department": lambda: QCoreApplication.translate("Labels", "No department matches {token}"),
        "ambiguous_department": lambda: QCoreApplication.translate(
            "Labels", "{token} matches several departments: {matches}"),
        "no_department": lambda: QCoreApplication.translate(
            "Labels", "No suggestion for case {number}: name the department"),
        "use_map": lambda: QCoreApplication.translate(
            "Labels", "Select case {number} and click its place on the map"),
    }
    text = texts.get(code)
    if text is None:
        return code
    values = {k: p for k, p in params.items()}
    if isinstance(values.get("matches"), list):
        values["matches"] = ", ".join(values["matches"])
    for key in ("word", "verb", "number", "token", "matches"):
        values.setdefault(key, "")
    return text().format(**values)


def transfer_error_text(code: str, message: str = "") -> str:
    """An attachment that could not be sent or fetched."""
    text = _TRANSFERS.get(code)
    return text() if text is not None else problem_text(Problem(code, message))


# Attachment transfers: their own words for "unreachable" (attachments need
# the server), and the file checks of core/attachments.py.
_TRANSFERS = {
    "unreachable": lambda: QCoreApplication.translate(
        "Labels", "The server cannot be reached; attachments need it"),
    "signed_out": lambda: QCoreApplication.translate("Labels", "Not signed in to the server"),
    "too_large": lambda: QCoreApplication.translate("Labels", "The file is larger than 10 MB"),
    "unsupported_type": lambda: QCoreApplication.translate(
        "Labels", "Only JPEG, PNG, WebP photos and PDF documents can be attached"),
    "type_mismatch": lambda: QCoreApplication.translate(
        "Labels", "The file's content does not match its type"),
    "empty": lambda: QCoreApplication.translate("Labels", "The file is empty"),
    "bad_filename": lambda: QCoreApplication.translate("Labels", "The file name is not usable"),
    "corrupt": lambda: QCoreApplication.translate("Labels", "The file arrived damaged; try again"),
    "not_found": lambda: QCoreApplication.translate("Labels", "The server does not have that file"),
    "unreadable": lambda: QCoreApplication.translate("Labels", "The file cannot be read"),
    "protocol": lambda: QCoreApplication.translate(
        "Labels", "The server's answer is not what this client expects"),
    "http_error": lambda: QCoreApplication.translate("Labels", "The server could not do it"),
    "role_forbidden": lambda: QCoreApplication.translate("Labels", "Your role may not do this"),
}


class _Params(dict):
    """A sentence's parameters; one the failure did not give shows as "?"."""

    def __missing__(self, key: str) -> str:
        return "?"


def problem_text(problem: Problem | None) -> str:
    """Any failure the operator may read about (a ``core.problems.Problem``:
    of the server, the sync, the sign-in, the store, the rules), in the
    operator's language, by its code.  An unknown code gets a general
    sentence that names the code; the English message stays in the log."""
    if problem is None:
        return ""
    p = problem.params
    code = problem.code
    if code == "wrong_status":
        return QCoreApplication.translate("Labels", "Case {number} is already {status} (by {by} at {at} from {workstation})").format(
            number=p.get("number", "?"), status=status_label(str(p.get("status", ""))),
            by=p.get("by") or "?", at=(p.get("at") or "?").replace("T", " ")[:16],
            workstation=p.get("workstation") or "?")
    if code == "role_forbidden" and p.get("role"):
        return QCoreApplication.translate("Labels", "A {role} may not {action}").format(
            role=role_label(str(p.get("role", ""))), action=action_label(str(p.get("action", ""))))
    text = _PROBLEMS.get(code) or _REASONS.get(code) or _TRANSFERS.get(code)
    if text is None:
        return QCoreApplication.translate("Labels", "The operation did not complete (error code {code})").format(
            code=code or "?")
    return text().format_map(_Params({k: v for k, v in p.items() if v is not None}))


def error_text(exc: BaseException) -> str:
    """An exception, as the operator reads it: by its code (``problem_of``),
    never by its English text."""
    return problem_text(problem_of(exc))


# Every other code a failure may carry, and its sentence; looked up when
# shown, so the text follows the installed translation.  Parameters are
# named ({user}); one the failure lacks shows as "?".
_PROBLEMS = {
    # the server and the sync (app/net, app/sync)
    "unreachable": lambda: QCoreApplication.translate("Labels", "The server cannot be reached"),
    "timeout": lambda: QCoreApplication.translate("Labels", "The server did not answer in time"),
    "not_signed_in": lambda: QCoreApplication.translate("Labels", "Not signed in to the server"),
    "sign_in_refused": lambda: QCoreApplication.translate(
        "Labels", "The server refused the sign-in of {user}: wrong user name or password"),
    "offline_unknown": lambda: QCoreApplication.translate(
        "Labels", "The server cannot be reached, and {user} has not signed in on this workstation "
        "before with this password"),
    "http_status": lambda: QCoreApplication.translate(
        "Labels", "The server answered {request} with error {status}"),
    "bad_reply": lambda: QCoreApplication.translate(
        "Labels", "The server's answer to {request} is not what this client expects"),
    "snapshot_refused": lambda: QCoreApplication.translate(
        "Labels", "The server's snapshot could not be used; the change feed brings the data instead"),
    "unexpected": lambda: QCoreApplication.translate("Labels", "Unexpected error (see the log)"),
    "failed": lambda: QCoreApplication.translate("Labels", "The operation did not complete"),
    # geofences the centre refused (core/alarms.py GeofenceError, server/api/vehicles.py)
    "geofence_refused": lambda: QCoreApplication.translate(
        "Labels", "the centre did not accept the request (error {status})"),
    "bad_geofence": lambda: QCoreApplication.translate("Labels", "the geofence is not valid"),
    "geofence_name": lambda: QCoreApplication.translate("Labels", "a geofence needs a name"),
    "bad_geofence_kind": lambda: QCoreApplication.translate("Labels", "the kind of geofence is not known"),
    "corridor_needs_line": lambda: QCoreApplication.translate(
        "Labels", "a corridor needs a route of two or more points"),
    "corridor_width": lambda: QCoreApplication.translate("Labels", "a corridor needs a width above 0 m"),
    "corridor_is_line": lambda: QCoreApplication.translate("Labels", "a corridor is a route, not an area"),
    "area_needed": lambda: QCoreApplication.translate("Labels", "this kind of geofence needs an area"),
    "parking_minutes": lambda: QCoreApplication.translate(
        "Labels", "a parking limit needs more than 0 minutes"),
    "ring_too_small": lambda: QCoreApplication.translate("Labels", "an area needs three or more points"),
    "bad_point": lambda: QCoreApplication.translate("Labels", "a point is not a valid place ({lon}, {lat})"),
    "bad_geometry": lambda: QCoreApplication.translate("Labels", "the shape of the geofence is not valid"),
    # the outbox ledger (app/store/ledger.py)
    "already_handled": lambda: QCoreApplication.translate("Labels", "This rejection has already been handled"),
    "not_discardable": lambda: QCoreApplication.translate("Labels", "This command can no longer be discarded"),
    "no_rejection": lambda: QCoreApplication.translate("Labels", "This command has no rejection to acknowledge"),
    "no_such_command": lambda: QCoreApplication.translate("Labels", "The command is not in the outbox"),
    "not_retryable": lambda: QCoreApplication.translate(
        "Labels", "Only a rejection nobody has handled can be retried"),
    # alarm acknowledgements (app/store/vehicles.py, core/alarms.py)
    "note_too_long": lambda: QCoreApplication.translate("Labels", "The note is too long"),
    "no_such_alarm": lambda: QCoreApplication.translate("Labels", "This workstation does not know that alarm"),
    # the queue's filters (app/services/queue.py)
    "bad_query": lambda: QCoreApplication.translate("Labels", "The filter is not valid"),
    "bad_category_filter": lambda: QCoreApplication.translate(
        "Labels", "Not a category: {value} (use a class such as E01 or a subclass such as E0102)"),
    "bad_street_filter": lambda: QCoreApplication.translate(
        "Labels", "Not a street: {value} (a street code has 9 digits)"),
    "search_too_long": lambda: QCoreApplication.translate(
        "Labels", "The search text is longer than {limit} characters"),
    "mine_needs_user": lambda: QCoreApplication.translate("Labels", "“Mine” needs a signed-in operator"),
    # evaluation and exports (core/evaluation.py, app/services/evaluation.py)
    "bad_figures": lambda: QCoreApplication.translate("Labels", "The figures cannot be evaluated"),
    "bad_weight": lambda: QCoreApplication.translate("Labels", "A weight must be a number of 0 or more"),
    "no_weight": lambda: QCoreApplication.translate("Labels", "At least one weight must be above 0"),
    "day_not_begun": lambda: QCoreApplication.translate("Labels", "{day} has not begun yet"),
    "cannot_write": lambda: QCoreApplication.translate("Labels", "The file cannot be written: {file}"),
    "no_folder": lambda: QCoreApplication.translate("Labels", "The folder does not exist: {folder}"),
    "nothing_to_export": lambda: QCoreApplication.translate("Labels", "Nothing to export yet"),
    "bad_export_type": lambda: QCoreApplication.translate("Labels", "Choose a .csv or .xlsx file"),
    # the local store (app/store)
    "store_error": lambda: QCoreApplication.translate("Labels", "The local store cannot do this"),
}
