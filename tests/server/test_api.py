"""The HTTP API against a real server process, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import uuid

import requests

from core.cases import Command, CommandKind

T = 10


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def register(case_id: str, operator: str = "dispatcher", **payload) -> dict:
    body = {"category": "E0102", "cell_code": "110101001001001", "lon": 116.4105, "lat": 39.9204,
            "description": "rubbish by the gate", "provisional_number": "T1-20261121-0001", **payload}
    return Command.new(CommandKind.REGISTER, case_id, body, operator=operator, workstation="T1",
                       issued_at="2026-11-18T09:00:00+08:00").to_dict()


def push(server, token, commands) -> list[dict]:
    reply = requests.post(server.url + "/api/commands", json={"commands": commands}, headers=auth(token), timeout=T)
    assert reply.status_code == 200, reply.text
    return reply.json()["results"]


def all_changes(server, token, after=0, limit=1000):
    out = []
    while True:
        page = requests.get(server.url + "/api/changes", params={"after": after, "limit": limit},
                            headers=auth(token), timeout=T).json()
        out += page["changes"]
        if not page["more"]:
            return out, page["last_seq"]
        after = page["changes"][-1]["seq"]


def test_login_and_auth(server):
    assert requests.get(server.url + "/api/health", timeout=T).json()["status"] == "ok"
    bad = requests.post(server.url + "/api/login", json={"username": "dispatcher", "password": "nope",
                                                         "workstation": "T1"}, timeout=T)
    assert bad.status_code == 401
    assert requests.get(server.url + "/api/changes", timeout=T).status_code == 401
    assert requests.get(server.url + "/api/changes", headers=auth("forged"), timeout=T).status_code == 401
    token = server.login()
    reply = requests.get(server.url + "/api/changes", headers=auth(token), timeout=T)
    assert reply.status_code == 200


def test_change_feed_is_paged_and_gap_free(server):
    token = server.login()
    changes, last = all_changes(server, token, limit=3)
    assert [c["seq"] for c in changes] == list(range(1, last + 1))
    entities = {c["entity"] for c in changes}
    assert {"region", "department", "cell", "vehicle", "user"} <= entities
    assert all("password_hash" not in c["data"] for c in changes if c["entity"] == "user")


def test_commands_apply_at_most_once(server):
    token = server.login()
    case_id = str(uuid.uuid4())
    cmd = register(case_id)
    first = push(server, token, [cmd])[0]
    assert first["outcome"] == "accepted" and first["number"].startswith("20261118")
    _, seq_after_first = all_changes(server, token)
    again = push(server, token, [cmd])[0]
    assert again == first
    _, seq_after_retry = all_changes(server, token)
    assert seq_after_retry == seq_after_first  # nothing new was recorded


def test_case_loop_and_rejections(server):
    token = server.login()
    case_id = str(uuid.uuid4())
    assert push(server, token, [register(case_id)])[0]["outcome"] == "accepted"
    dispatch = Command.new(CommandKind.DISPATCH, case_id, {"department_id": "D-SAN"}, operator="dispatcher",
                           workstation="T1", issued_at="2026-11-18T09:05:00+08:00", base_version=1).to_dict()
    handled, check, close = (
        Command.new(kind, case_id, {}, operator="dispatcher", workstation="T1",
                    issued_at=f"2026-11-18T10:0{i}:00+08:00", base_version=2 + i).to_dict()
        for i, kind in enumerate((CommandKind.REPORT_HANDLED, CommandKind.CHECK, CommandKind.CLOSE)))
    results = push(server, token, [dispatch, handled, check, close])
    assert [r["outcome"] for r in results] == ["accepted"] * 4
    changes, _ = all_changes(server, token)
    case_rows = [c["data"] for c in changes if c["entity"] == "case" and c["id"] == case_id]
    assert [r["status"] for r in case_rows] == ["registered", "dispatched", "handled", "checked", "closed"]
    # 4 working hours from 09:05: 2 h 55 min to noon, the lunch break skipped, 1 h 05 min from 13:30.
    assert case_rows[1]["deadline"] == "2026-11-18T14:35:00+08:00"
    # A second dispatch of a closed case is refused with who/when, and changes nothing.
    _, before = all_changes(server, token)
    again = Command.new(CommandKind.DISPATCH, case_id, {"department_id": "D-ROAD"}, operator="dispatcher",
                        workstation="T1", issued_at="2026-11-18T10:05:00+08:00").to_dict()
    result = push(server, token, [again])[0]
    assert result["outcome"] == "rejected" and result["reason"]["code"] == "wrong_status"
    assert result["reason"]["params"]["by"] == "dispatcher"
    _, after = all_changes(server, token)
    assert after == before


def test_command_for_missing_case_rejected_with_reason(server):
    token = server.login()
    cmd = Command.new(CommandKind.DISPATCH, str(uuid.uuid4()), {"department_id": "D-SAN"}, operator="dispatcher",
                      workstation="T1", issued_at="2026-11-18T09:05:00+08:00").to_dict()
    result = push(server, token, [cmd])[0]
    assert result["outcome"] == "rejected" and result["reason"]["code"] == "no_such_case"


def test_role_and_operator_checks(server):
    dept = server.login("dept")
    result = push(server, dept, [register(str(uuid.uuid4()), operator="dept")])[0]
    assert result["reason"]["code"] == "role_forbidden"
    token = server.login()
    forged = push(server, token, [register(str(uuid.uuid4()), operator="leader")])[0]
    assert forged["reason"]["code"] == "operator_mismatch"


def test_malformed_requests_get_clear_errors_and_change_nothing(server):
    token = server.login()
    _, before = all_changes(server, token)
    assert requests.post(server.url + "/api/commands", data=b"{not json", headers={
        **auth(token), "Content-Type": "application/json"}, timeout=T).status_code == 422
    assert requests.post(server.url + "/api/commands", json={"nope": 1}, headers=auth(token), timeout=T).status_code == 422
    result = push(server, token, [{"command_id": "x", "kind": "dispatch_case"}])[0]
    assert result["outcome"] == "rejected" and result["reason"]["code"] == "malformed"
    assert requests.get(server.url + "/api/changes", params={"after": -1}, headers=auth(token), timeout=T).status_code == 422
    _, after = all_changes(server, token)
    assert after == before


def test_concurrent_writers_keep_the_sequence_gap_free(server):
    tokens = [server.login(), server.login("dispatcher2")]
    errors = []

    def work(token, operator):
        try:
            for _ in range(15):
                push(server, token, [register(str(uuid.uuid4()), operator=operator)])
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(tokens[i % 2], ["dispatcher", "dispatcher2"][i % 2]))
               for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors
    changes, last = all_changes(server, tokens[0])
    assert [c["seq"] for c in changes] == list(range(1, last + 1))
    numbers = [c["data"]["number"] for c in changes if c["entity"] == "case"]
    assert len(numbers) == 60 and len(set(numbers)) == 60


def test_openapi_published(server):
    spec = requests.get(server.url + "/openapi.json", timeout=T).json()
    assert {"/api/login", "/api/changes", "/api/commands", "/api/positions"} <= set(spec["paths"])
