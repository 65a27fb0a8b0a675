"""docs/case-loop.md states the transitions table; it must say what the code does."""

from __future__ import annotations

from pathlib import Path

from core.cases import TRANSITIONS, CommandKind, Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "case-loop.md"


def test_the_documented_table_is_the_rules():
    text = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(text) if line.startswith("| command |"))
    lines = [text[start]] + [line for line in text[start + 2:] if line.startswith("| `")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    roles = [Role(name) for name in header[3:-1]]
    assert set(roles) == set(Role)
    seen = set()
    for line in lines[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if not cells[0].startswith("`") or cells[0].strip("`") not in {k.value for k in CommandKind}:
            continue
        kind = CommandKind(cells[0].strip("`"))
        rule = TRANSITIONS[kind]
        seen.add(kind)
        sources = {s.strip() for s in cells[1].split(",") if s.strip()}
        expected = {"any"} if rule.sources is None else {s.value for s in rule.sources}
        if rule.creates:
            expected.add("(new)")
        assert sources == expected, kind
        assert cells[2] == (rule.target.value if rule.target else "(same)"), kind
        assert {r for r, mark in zip(roles, cells[3:-1], strict=True) if mark == "✓"} == set(rule.roles), kind
        assert (cells[-1] == "yes") == rule.needs_reason, kind
    assert seen == set(CommandKind)
