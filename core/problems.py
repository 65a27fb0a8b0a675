"""A failure the operator may read about: a code, its parameters, and an
English sentence for the logs.

The client's layers (net, sync, services) say what went wrong with a
``Problem``; the views translate it by ``code`` (app/views/labels.py
``problem_text``), so the operator reads Chinese and the log keeps English.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, eq=True)
class Problem:
    code: str
    message: str = ""  # English, for logs; never shown as it is
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message or self.code

    __hash__ = None  # type: ignore[assignment]  # params is a dict


class ProblemError(Exception):
    """An exception that carries a ``Problem``.  ``str(exc)`` is the English
    message (for logs); views show ``problem_text(exc.problem)``."""

    def __init__(self, code: str, message: str = "", **params: Any):
        super().__init__(message or code)
        self.problem = Problem(code, message or code, dict(params))

    @property
    def code(self) -> str:
        return self.problem.code

    @property
    def params(self) -> Mapping[str, Any]:
        return self.problem.params


class CodedError(Exception):
    """An error of the rules or the store whose ``code`` (with ``params``)
    says what went wrong for the operator (the views translate it by code)
    and whose message is English, for the log.  ``raise X("message")``
    gives the class's ``default_code``; ``raise X("message", "code",
    key=value)`` a precise one."""

    default_code = "failed"

    def __init__(self, message: str = "", code: str | None = None, **params: Any):
        super().__init__(message)
        self.code = code or self.default_code
        self.message = message
        self.params = params


def problem_of(exc: BaseException) -> Problem:
    """The ``Problem`` an exception stands for, so a view can say any failure
    by code: a ``ProblemError``'s own; for the rules' refusals that carry a
    ``code`` (``CommandRejected``, ``AttachmentError``, ``GeofenceError``,
    the store's errors...) one built from it; anything else is
    "unexpected" (its English text stays in ``message``, for the log)."""
    if isinstance(exc, ProblemError):
        return exc.problem
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code:
        params = getattr(exc, "params", None)
        return Problem(code, str(exc), dict(params) if isinstance(params, Mapping) else {})
    return Problem("unexpected", f"{type(exc).__name__}: {exc}", {"kind": type(exc).__name__})
