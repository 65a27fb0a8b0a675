"""What the storage layer says when it refuses a request.

A ``StorageError`` names the kind of refusal (``kind``: what sort of
failure, one of ``KINDS``) and the precise reason (``code``, with a message
and parameters for the person reading it).  It carries no HTTP status: the
API maps kinds to statuses in one place (server/api/errors.py), so storage
can be used from the gateway, the demo and tests without knowing it sits
behind HTTP.

Threading: plain values, any thread.
"""

from __future__ import annotations

from typing import Any

NOT_FOUND = "not_found"  # the thing asked for does not exist
FORBIDDEN = "forbidden"  # it exists, this user may not do this
CONFLICT = "conflict"  # the rules refuse it in the current state
INVALID = "invalid"  # the request itself is malformed or out of range
TOO_LARGE = "too_large"  # a body or file over the limit
UNSUPPORTED = "unsupported"  # a content type we do not take
BUSY = "busy"  # could not be done now; the same request may succeed later
KINDS = (NOT_FOUND, FORBIDDEN, CONFLICT, INVALID, TOO_LARGE, UNSUPPORTED, BUSY)

# Which rejection codes of the case rules (core/cases.py) are which kind;
# every other rejection is a conflict with the case's state.
_RULE_KINDS = {"no_such_case": NOT_FOUND, "role_forbidden": FORBIDDEN, "not_your_case": FORBIDDEN,
               "operator_mismatch": FORBIDDEN}


class StorageError(Exception):
    """A request storage refuses; nothing was written."""

    def __init__(self, kind: str, code: str, message: str, params: dict[str, Any] | None = None):
        if kind not in KINDS:
            raise ValueError(f"unknown storage error kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.message = message
        self.params = params or {}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": self.params}


def rule_refusal(result: dict[str, Any]) -> StorageError:
    """The error for a command result the case rules rejected."""
    reason = result["reason"]
    return StorageError(_RULE_KINDS.get(reason["code"], CONFLICT), reason["code"], reason["message"],
                        reason.get("params"))


__all__ = ["BUSY", "CONFLICT", "FORBIDDEN", "INVALID", "KINDS", "NOT_FOUND", "TOO_LARGE", "UNSUPPORTED",
           "StorageError", "rule_refusal"]
