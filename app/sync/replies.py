"""The shape the sync API promises, checked before anything is written.

Each function takes a decoded reply and raises ``ProtocolError``
("bad_reply", naming the request) when it breaks the contract, so a
malformed reply changes nothing.  Pure: no I/O, no threads.
"""

from __future__ import annotations

from typing import Any

from app.net.client import ProtocolError


def _bad(request: str, message: str) -> ProtocolError:
    return ProtocolError("bad_reply", message, request=request)


def check_results(request: str, body: dict[str, Any], sent: set[str], outcomes: tuple[str, ...]) -> list[dict]:
    """A reply that answers every command sent, each with a known outcome."""
    results = body.get("results")
    if not isinstance(results, list) or len(results) != len(sent):
        raise _bad(request, f"{request}: reply does not answer every command")
    for result in results:
        if not isinstance(result, dict) or result.get("command_id") not in sent:
            raise _bad(request, f"{request}: reply names a command that was not sent")
        if result.get("outcome") not in outcomes:
            raise _bad(request, f"{request}: reply has outcome {result.get('outcome')!r}")
    return results


def check_change_page(body: dict[str, Any], after: int) -> dict[str, Any]:
    """A page of the change feed: gap-free from ``after + 1``."""
    changes = body.get("changes")
    if not isinstance(changes, list) or not isinstance(body.get("last_seq"), int):
        raise _bad("GET /api/changes", "change page lacks changes or last_seq")
    expected = after + 1
    for change in changes:
        if (not isinstance(change, dict) or change.get("seq") != expected
                or not isinstance(change.get("data"), dict) or "entity" not in change):
            raise _bad("GET /api/changes", f"change feed is not gap-free after {after}: expected seq {expected}")
        expected += 1
    return body


def check_positions(rows: Any, cursor: Any) -> None:
    if not isinstance(rows, list) or not isinstance(cursor, int):
        raise _bad("GET /api/positions", "position reply lacks positions or cursor")
    for row in rows:
        if not isinstance(row, dict) or not {"vehicle_id", "device_time", "lon", "lat"} <= row.keys():
            raise _bad("GET /api/positions", "position row lacks vehicle_id, device_time, lon or lat")


def check_wait(body: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(body.get("last_seq"), int):
        raise _bad("GET /api/sync/wait", "wait reply lacks last_seq")
    return body
