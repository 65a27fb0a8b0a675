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
