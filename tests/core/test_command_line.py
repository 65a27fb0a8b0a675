"""The command bar's grammar and parser, with the words GridDesk ships
(resources/command_bar.json)."""

from __future__ import annotations

import json

import pytest

from core.cases import CommandKind
from core.command_line import (
    ACTIONS,
    Grammar,
    LineError,
    completions,
    match_department,
    parse,
    parse_duration,
    parse_result,
)
from core.resources import resource

GRAMMAR = Grammar.load(resource("command_bar.json"))
NUMBER = "2026112100012"
DEPARTMENTS = [("D-SAN", "环卫"), ("D-GARDEN", "园林绿化"), ("D-ROAD", "市政道路"), ("D-ROADLIGHT", "市政路灯")]


def line_error(call, *args) -> LineError:
    with pytest.raises(LineError) as caught:
        call(*args)
    return caught.value


# --- the grammar file ---------------------------------------------------------

def test_every_action_has_its_own_name_as_a_word():
    for action in ACTIONS:
        assert GRAMMAR.verbs[action] == action
    assert sorted(set(GRAMMAR.verbs.values())) == sorted(ACTIONS)


def test_words_are_matched_in_lower_case():
    grammar = Grammar.from_dict({"verbs": {"dispatch": ["Send"]}})
    assert grammar.verbs == {"dispatch": "dispatch", "send": "dispatch"}


def test_a_word_with_two_meanings_is_refused():
    with pytest.raises(ValueError, match="two things"):
        Grammar.from_dict({"verbs": {"dispatch": ["派"], "return": ["派"]}})
    with pytest.raises(ValueError, match="two things"):
        Grammar.from_dict({"units": {"work_hours": ["H"], "work_days": ["h"]}})


def test_the_same_word_may_mean_different_things_in_different_sections():
    # "d" is dispatch among verbs and working days among units.
    assert GRAMMAR.verbs["d"] == "dispatch" and GRAMMAR.units["d"] == "work_days"


@pytest.mark.parametrize("data", [
    {"verbs": {"fly": ["飞"]}},
    {"units": {"weeks": ["w"]}},
    {"callback_results": {"maybe": []}},
])
def test_an_unknown_meaning_is_refused(data):
    with pytest.raises(ValueError, match="unknown meaning"):
        Grammar.from_dict(data)


@pytest.mark.parametrize("data", [
    {"verbs": {"dispatch": "send"}},  # a string, not a list: was read as s, e, n, d
    {"verbs": {"dispatch": None}},
    {"verbs": {"dispatch": [3]}},
    {"verbs": ["dispatch"]},
    {"verbs": {"dispatch": [""]}},
])
def test_a_malformed_grammar_is_refused_with_a_value_error(data):
    with pytest.raises(ValueError):
        Grammar.from_dict(data)


def test_a_grammar_loads_from_a_file(tmp_path):
    path = tmp_path / "words.json"
    path.write_text(json.dumps({"verbs": {"close": ["结束"]}}, ensure_ascii=False), encoding="utf-8")
    grammar = Grammar.load(path)
    assert grammar.verb_words() == ["close", "结束"]
    assert parse(f"结束 {NUMBER}", grammar).kind is CommandKind.CLOSE


# --- parse --------------------------------------------------------------------

@pytest.mark.parametrize("text, action, args", [
    (f"dispatch {NUMBER} D-SAN", "dispatch", ("D-SAN",)),
    (f"派 {NUMBER} 环卫", "dispatch", ("环卫",)),
    (f"DISPATCH {NUMBER} D-SAN", "dispatch", ("D-SAN",)),
    (f"派{NUMBER} 环卫", "dispatch", ("环卫",)),  # verb glued to the number
    (f"派遣{NUMBER}", "dispatch", ()),  # the longer verb wins over 派
    (f"d{NUMBER}", "dispatch", ()),
    (f"  :退   {NUMBER}  不归 我们管 ", "return", ("不归", "我们管")),
    (f"extend {NUMBER} 2h needs a crane", "extend", ("2h", "needs", "a", "crane")),
    ("close WS01-20261121-0003", "close", ()),
    (NUMBER, "open", ()),  # a bare number opens the case
    (f"{NUMBER} 看看", "open", ("看看",)),
])
def test_parse_finds_verb_number_and_arguments(text, action, args):
    line = parse(text, GRAMMAR)
    assert (line.action, line.args) == (action, args)
    assert line.number in (NUMBER, "WS01-20261121-0003")
    assert line.kind is ACTIONS[action]


def test_open_is_a_selection_not_a_command():
    assert parse(NUMBER, GRAMMAR).kind is None
    assert parse(f"查 {NUMBER}", GRAMMAR).kind is None


def test_rest_joins_the_arguments_from_a_point():
    line = parse(f"extend {NUMBER} 2h needs a crane", GRAMMAR)
    assert line.rest() == "2h needs a crane"
    assert line.rest(1) == "needs a crane"
    assert line.rest(9) == ""


@pytest.mark.parametrize("text", ["", "   ", ":", " : "])
def test_an_empty_line_is_an_error(text):
    assert line_error(parse, text, GRAMMAR).code == "empty"


def test_an_unknown_word_is_named_in_the_error():
    error = line_error(parse, f"fly {NUMBER}", GRAMMAR)
    assert (error.code, error.params) == ("unknown_verb", {"word": "fly"})


def test_a_short_number_is_not_taken_for_a_case_number():
    # Under six characters, a leading digit is not a case number.
    assert line_error(parse, "12345", GRAMMAR).code == "unknown_verb"
    assert line_error(parse, "派12345", GRAMMAR).code == "unknown_verb"


def test_a_verb_without_a_number_is_an_error():
    error = line_error(parse, "派", GRAMMAR)
    assert (error.code, error.params) == ("no_number", {"verb": "派"})
    assert line_error(parse, "close  ", GRAMMAR).code == "no_number"


# --- durations, results, departments -----------------------------------------

@pytest.mark.parametrize("token, expected", [
    ("2h", (2.0, "work_hours")),
    ("2", (2.0, "work_hours")),  # hours unless said otherwise
    ("2H", (2.0, "work_hours")),
    ("1.5d", (1.5, "work_days")),
    ("3天", (3.0, "work_days")),
    ("2小时", (2.0, "work_hours")),
    ("90m", (1.5, "work_hours")),  # minutes become hours
    ("30分钟", (0.5, "work_hours")),
])
def test_durations(token, expected):
    assert parse_duration(token, GRAMMAR) == expected


@pytest.mark.parametrize("token", ["", "h", "0h", "0", "-2h", "1.2.3h", "2x", "2 weeks", ".h", "1e3h"])
def test_a_bad_duration_is_an_error_naming_it(token):
    error = line_error(parse_duration, token, GRAMMAR)
    assert (error.code, error.params) == ("bad_duration", {"token": token})


@pytest.mark.parametrize("token, result", [
    ("satisfied", "satisfied"), ("OK", "satisfied"), ("满意", "satisfied"),
    ("不满意", "unsatisfied"), ("no", "unsatisfied"), (" 联系不上 ", "unreachable"),
])
def test_callback_results(token, result):
    assert parse_result(token, GRAMMAR) == result


def test_a_bad_callback_result_is_an_error():
    error = line_error(parse_result, "maybe", GRAMMAR)
    assert (error.code, error.params) == ("bad_result", {"token": "maybe"})


@pytest.mark.parametrize("token, dept", [
    ("d-san", "D-SAN"),  # id, any case
    ("环卫", "D-SAN"),  # exact name
    ("园林", "D-GARDEN"),  # a part of one name only
    ("路灯", "D-ROADLIGHT"),
    ("garden", "D-GARDEN"),  # a part of one id
    ("D-ROAD", "D-ROAD"),  # an exact id wins over the ids it is a part of
])
def test_match_department(token, dept):
    assert match_department(token, DEPARTMENTS) == dept


def test_a_part_that_several_departments_share_is_ambiguous():
    error = line_error(match_department, "市政", DEPARTMENTS)
    assert error.code == "ambiguous_department"
    assert error.params == {"token": "市政", "matches": ["市政道路", "市政路灯"]}


def test_an_ambiguous_match_lists_at_most_five():
    many = [(f"D-{i}", f"街道{i}") for i in range(8)]
    assert len(line_error(match_department, "街道", many).params["matches"]) == 5


@pytest.mark.parametrize("token", ["消防", "", "   "])
def test_no_department_matches(token):
    assert line_error(match_department, token, DEPARTMENTS).code == "no_such_department"


def test_a_line_error_is_a_value_error_with_its_message():
    error = line_error(parse, "fly 123456", GRAMMAR)
    assert isinstance(error, ValueError)
    assert str(error) == error.message == "unknown command 'fly'"


# --- completions --------------------------------------------------------------

def test_verbs_complete_from_their_first_letters():
    assert completions("redi", GRAMMAR, DEPARTMENTS) == ["redispatch "]
    assert completions("Dis", GRAMMAR, DEPARTMENTS) == ["dispatch "]
    assert completions("派", GRAMMAR, DEPARTMENTS) == ["派 ", "派遣 "]
    assert completions("zzz", GRAMMAR, DEPARTMENTS) == []


def test_an_empty_line_offers_verbs_up_to_the_limit():
    assert completions("", GRAMMAR, DEPARTMENTS) == [w + " " for w in GRAMMAR.verb_words()[:12]]
    assert len(completions("", GRAMMAR, DEPARTMENTS, limit=3)) == 3


def test_departments_complete_after_the_number_of_a_dispatch():
    assert completions(f"派 {NUMBER} ", GRAMMAR, DEPARTMENTS) == [
        f"派 {NUMBER} {name} " for _d, name in DEPARTMENTS]
    assert completions(f"dispatch {NUMBER} 市政", GRAMMAR, DEPARTMENTS) == [
        f"dispatch {NUMBER} 市政道路 ", f"dispatch {NUMBER} 市政路灯 "]
    assert completions(f"redispatch {NUMBER} d-gar", GRAMMAR, DEPARTMENTS) == [
        f"redispatch {NUMBER} 园林绿化 "]


def test_no_department_completion_where_none_belongs():
    assert completions(f"close {NUMBER} ", GRAMMAR, DEPARTMENTS) == []  # close takes none
    assert completions(f"dispatch {NUMBER}", GRAMMAR, DEPARTMENTS) == []  # number not finished
    assert completions(f"dispatch {NUMBER} 环卫 ", GRAMMAR, DEPARTMENTS) == []  # already named
    assert completions(f"dispatch {NUMBER} 环卫 x", GRAMMAR, DEPARTMENTS) == []


def test_every_completion_begins_with_the_line_as_typed():
    # The completer keeps only entries that start with the typed line, so a
    # ":" (typed by the shortcut that opens the bar), extra spaces and a
    # verb glued to its number must not lose the completions.
    for text in [":dis", ": dis", "  dis", f":派 {NUMBER} ", f"dispatch  {NUMBER}  市政",
                 f"派{NUMBER} ", f"派{NUMBER} 园", f"dispatch {NUMBER} "]:
        found = completions(text, GRAMMAR, DEPARTMENTS)
        assert found, text
        assert all(c.startswith(text) for c in found), (text, found)
    assert completions(":dis", GRAMMAR, DEPARTMENTS) == [":dispatch "]
    assert completions(f"派{NUMBER} 园", GRAMMAR, DEPARTMENTS) == [f"派{NUMBER} 园林绿化 "]
