"""The dispatcher's command bar: one line, a verb, a case number, arguments.

    dispatch 2026112100012 D-SAN        派 2026112100012 环卫
    return 2026112100012 not ours        退 2026112100012 不归我们管
    extend 2026112100012 2h needs a crane
    close WS01-20261121-0003

The words are data (resources/command_bar.json), so the Chinese verbs are
not in the code and a centre can add its own.  Parsing is pure; finding the
case and the department is the desk's (app/services/desk.py).  Errors are
``LineError`` with a code and parameters, translated by the view.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.cases import CommandKind

# action -> the command it becomes ("open" only selects the case)
ACTIONS: dict[str, CommandKind | None] = {
    "dispatch": CommandKind.DISPATCH, "redispatch": CommandKind.REDISPATCH,
    "return": CommandKind.RETURN, "reject": CommandKind.REJECT_RETURN,
    "extend": CommandKind.EXTEND, "defer": CommandKind.DEFER, "resume": CommandKind.RESUME,
    "escalate": CommandKind.ESCALATE, "verify": CommandKind.VERIFY, "locate": CommandKind.LOCATE,
    "register": CommandKind.REGISTER, "cancel": CommandKind.CANCEL,
    "handled": CommandKind.REPORT_HANDLED, "check": CommandKind.CHECK, "rework": CommandKind.REWORK,
    "close": CommandKind.CLOSE, "callback": CommandKind.CALLBACK, "note": CommandKind.ADD_NOTE,
    "open": None,
}
UNITS = ("work_hours", "work_days", "minutes")
RESULTS = ("satisfied", "unsatisfied", "unreachable")


class LineError(ValueError):
    """The line cannot be understood; ``code`` says why."""

    def __init__(self, code: str, message: str, **params: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Grammar:
    verbs: dict[str, str]  # word (lower case) -> action
    units: dict[str, str]  # word -> work_hours | work_days | minutes
    results: dict[str, str]  # word -> callback result

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Grammar:
        def table(section: str, allowed: tuple[str, ...] | dict[str, Any]) -> dict[str, str]:
            out: dict[str, str] = {}
            entries = data.get(section) or {}
            if not isinstance(entries, dict):
                raise ValueError(f"{section}: expected meaning -> list of words")
            for meaning, words in entries.items():
                if meaning not in allowed:
                    raise ValueError(f"{section}: unknown meaning {meaning!r}")
                # A bare string would be taken letter by letter ("send" ->
                # s, e, n, d), silently making one-letter verbs.
                if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                    raise ValueError(f"{section}: {meaning!r} needs a list of words")
                for word in [meaning, *words]:
                    key = str(word).strip().lower()
                    if not key or (key in out and out[key] != meaning):
                        raise ValueError(f"{section}: {word!r} means two things")
                    out[key] = meaning
            return out

        return cls(table("verbs", ACTIONS), table("units", UNITS), table("callback_results", RESULTS))

    @classmethod
    def load(cls, path: str | Path) -> Grammar:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def verb_words(self) -> list[str]:
        return sorted(self.verbs)


@dataclass(frozen=True)
class ParsedLine:
    action: str
    number: str
    args: tuple[str, ...]

    @property
    def kind(self) -> CommandKind | None:
        return ACTIONS[self.action]

    def rest(self, start: int = 0) -> str:
        return " ".join(self.args[start:])


def parse(text: str, grammar: Grammar) -> ParsedLine:
    """Verb, case number, arguments.  A bare number means "open"; a verb may
    be typed without a space before the number ("派2026112100012")."""
    tokens = text.strip().removeprefix(":").split()
    if not tokens:
        raise LineError("empty", "type a command, e.g. dispatch 2026112100012 D-SAN")
    first = tokens[0]
    if _looks_like_number(first):
        return ParsedLine("open", first, tuple(tokens[1:]))
    action = grammar.verbs.get(first.lower())
    if action is None:
        glued = _split_glued(first, grammar)
        if glued is None:
            raise LineError("unknown_verb", f"unknown command {first!r}", word=first)
        action, number = glued
        tokens = [first, number, *tokens[1:]]
    if len(tokens) < 2:
        raise LineError("no_number", f"{first} needs a case number", verb=first)
    return ParsedLine(action, tokens[1], tuple(tokens[2:]))


def _looks_like_number(token: str) -> bool:
    return token[:1].isdigit() and len(token) >= 6


def _split_glued(token: str, grammar: Grammar) -> tuple[str, str] | None:
    for word in sorted(grammar.verbs, key=len, reverse=True):
        if token.lower().startswith(word) and _looks_like_number(token[len(word):]):
            return grammar.verbs[word], token[len(word):]
    return None


def parse_duration(token: str, grammar: Grammar) -> tuple[float, str]:
    """"2h", "1.5d", "90m", "2小时" -> (value, unit); minutes are turned into hours."""
    number = ""
    for ch in token:
        if ch.isdigit() or ch == ".":
            number += ch
        else:
            break
    word = token[len(number):].strip().lower()
    try:
        value = float(number)
    except ValueError:
        raise LineError("bad_duration", f"{token!r} is not a duration like 2h or 1d", token=token) from None
    unit = grammar.units.get(word or "h")
    if unit is None or not value > 0:
        raise LineError("bad_duration", f"{token!r} is not a duration like 2h or 1d", token=token)
    if unit == "minutes":
        return value / 60, "work_hours"
    return value, unit


def parse_result(token: str, grammar: Grammar) -> str:
    result = grammar.results.get(token.strip().lower())
    if result is None:
        raise LineError("bad_result", f"{token!r} is not satisfied, unsatisfied or unreachable",
                        token=token)
    return result


def match_department(token: str, departments: list[tuple[str, str]]) -> str:
    """A department by id (any case), by exact name, or by a part of its
    name that only one department has."""
    wanted = token.strip().lower()
    for dept_id, name in departments:
        if dept_id.lower() == wanted or name.lower() == wanted:
            return dept_id
    found = [(d, n) for d, n in departments if wanted and (wanted in n.lower() or wanted in d.lower())]
    if len(found) == 1:
        return found[0][0]
    if not found:
        raise LineError("no_such_department", f"no department matches {token!r}", token=token)
    raise LineError("ambiguous_department", f"{token!r} matches {len(found)} departments",
                    token=token, matches=[n for _d, n in found[:5]])


def completions(text: str, grammar: Grammar, departments: list[tuple[str, str]],
                limit: int = 12) -> list[str]:
    """Whole-line completions of what is typed: the verb first, then after
    the number of a verb that takes one, a department name.

    Each completion begins with the line exactly as typed, since the
    completer matches on the start of the line: a leading ":" (the shortcut
    that opens the bar types one) and the spacing are kept, and a verb glued
    to its number ("派2026112100012 ") completes like a spaced one."""
    body = text.lstrip().removeprefix(":").lstrip()
    lead = text[:len(text) - len(body)]
    tokens = body.split()
    ends_with_space = body != body.rstrip() or not body
    if not tokens or (len(tokens) == 1 and not ends_with_space):
        prefix = tokens[0].lower() if tokens else ""
        return [lead + w + " " for w in grammar.verb_words() if w.startswith(prefix)][:limit]
    action = grammar.verbs.get(tokens[0].lower())
    if action is None:
        glued = _split_glued(tokens[0], grammar)
        if glued is not None:
            action = glued[0]
            tokens = [tokens[0], glued[1], *tokens[1:]]  # counted as verb, number, ...
    if action not in ("dispatch", "redispatch"):
        return []
    if len(tokens) == 2 and ends_with_space:
        head, prefix = body, ""
    elif len(tokens) == 3 and not ends_with_space:
        head, prefix = body[:len(body) - len(tokens[2])], tokens[2].lower()
    else:
        return []
    names = [n for d, n in departments if prefix in n.lower() or d.lower().startswith(prefix)]
    return [f"{lead}{head}{n} " for n in names][:limit]
