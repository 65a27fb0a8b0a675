"""Long-polls, two servers on one PostgreSQL, the integrity check, withdrawals
and the workstation audit, against real server processes."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import requests

from core.cases import Command, CommandKind
from core.positions import PositionFix
from core.timeutil import now_iso
from server.simulator import SimulatedTerminal
from support import ServerProcess, seed_small_world

T = 10


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def register_command(operator: str = "dispatcher", case_id: str | None = None) -> dict:
    return Command.new(CommandKind.REGISTER, case_id or str(uuid.uuid4()), {
        "category": "E0102", "cell_code": "110101001001001", "lon": 116.4105, "lat": 39.9204,
        "description": "rubbish", "provisional_number": "T1-20261121-0001"},
        operator=operator, workstation="T1", issued_at=now_iso()).to_dict()


def push(server, token, commands) -> list[dict]:
    reply = requests.post(server.url + "/api/commands", json={"commands": commands}, headers=auth(token), timeout=T)
    assert reply.status_code == 200, reply.text
    return reply.json()["results"]


class Timed(threading.Thread):
    """A blocking request in a thread, with how long it took."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn, self.result, self.seconds = fn, None, None

    def run(self) -> None:
        start = time.monotonic()
        self.result = self.fn()
        self.seconds = time.monotonic() - start


def test_changes_long_poll_wakes_on_a_commit_and_times_out_otherwise(server):
    token = server.login()
    last = requests.get(server.url + "/api/health", timeout=T).json()["last_seq"]
    start = time.monotonic()
    idle = requests.get(server.url + "/api/changes", params={"after": last, "wait": 1}, headers=auth(token),
                        timeout=T).json()
    assert idle["changes"] == [] and 0.9 <= time.monotonic() - start < 5
    poll = Timed(lambda: requests.get(server.url + "/api/changes", params={"after": last, "wait": 20},
                                      headers=auth(token), timeout=30).json())
    poll.start()
    # Let the long-poll reach the server and park, so that the wake-up path
    # is what runs.  The server shows no count of parked requests to wait
    # on; what proves the poll did not answer early is its reply holding the
    # change made after this point (asserted below).
    time.sleep(0.5)
    assert poll.is_alive()  # nothing new yet: it waits
    push(server, token, [register_command()])
    poll.join(10)
    assert not poll.is_alive() and poll.seconds < 5
    assert [c["entity"] for c in poll.result["changes"]] == ["case", "case_event"]
    assert poll.result["changes"][0]["seq"] == last + 1


def test_bad_wait_parameters_get_422(server):
    token = server.login()
    for params in ({"after": 0, "wait": -1}, {"after": 0, "wait": 1000}, {"after": -3}):
        assert requests.get(server.url + "/api/changes", params=params, headers=auth(token),
                            timeout=T).status_code == 422
    for params in ({"timeout": 99}, {"after": "x"}):
        assert requests.get(server.url + "/api/sync/wait", params=params, headers=auth(token),
                            timeout=T).status_code == 422
    assert requests.get(server.url + "/api/sync/wait", timeout=T).status_code == 401


def test_two_servers_on_one_postgres_wake_each_others_clients(pg_url):
    seed_small_world(pg_url)
    a = ServerProcess(pg_url).start()
    b = ServerProcess(pg_url).start()
    try:
        token_a, token_b = a.login(workstation="A1"), b.login(workstation="B1")
        head = requests.get(a.url + "/api/sync/wait", params={"timeout": 0}, headers=auth(token_a),
                            timeout=T).json()
        # A client of server A waits for changes; a command arrives at server B.
        poll = Timed(lambda: requests.get(a.url + "/api/sync/wait", params={
            "after": head["last_seq"], "positions_after": head["last_position_id"], "timeout": 20},
            headers=auth(token_a), timeout=30).json())
        poll.start()
        # As above: the reply holding the change made after this point is
        # the proof; the pause only lets the poll park first.
        time.sleep(0.5)
        assert poll.is_alive()
        results = push(b, token_b, [register_command()])
        assert results[0]["outcome"] == "accepted"
        poll.join(10)
        assert not poll.is_alive() and poll.seconds < 5, poll.seconds
        assert poll.result["last_seq"] == results[0]["seq"]
        changes = requests.get(a.url + "/api/changes", params={"after": head["last_seq"]}, headers=auth(token_a),
                               timeout=T).json()["changes"]
        assert changes and changes[0]["data"]["case_id"] == results[0]["case_id"]

        # A live position: a real JT/T 808 terminal reports to B's gateway;
        # a client long-polling A's positions wakes.
        after = poll.result["last_position_id"]
        pos_poll = Timed(lambda: requests.get(a.url + "/api/sync/wait", params={
            "positions_after": after, "timeout": 20}, headers=auth(token_a), timeout=30).json())
        pos_poll.start()
        time.sleep(0.5)  # lets the poll park; its reply holding the new position is the proof
        assert pos_poll.is_alive()

        async def report() -> None:
            terminal = SimulatedTerminal("013800000001", "127.0.0.1", b.jt808_port)
            await terminal.connect()
            await terminal.login()
            await terminal.report(PositionFix("013800000001", now_iso(), 116.3975, 39.9087, 44, 8.0, 90, 0, 3))
            await terminal.close()

        asyncio.run(asyncio.wait_for(report(), 15))
        pos_poll.join(15)
        assert not pos_poll.is_alive() and pos_poll.seconds < 6, pos_poll.seconds
        assert pos_poll.result["last_position_id"] > after
        fixes = requests.get(a.url + "/api/positions", params={"after": after}, headers=auth(token_a),
                             timeout=T).json()["positions"]
        assert [p["vehicle_id"] for p in fixes] == ["V001"]
    finally:
        a.stop()
        b.stop()


def test_integrity_counts_and_checksums_move_with_the_feed(server):
    token = server.login()
    first = requests.get(server.url + "/api/sync/integrity", headers=auth(token), timeout=T).json()
    assert first["tables"]["cell"]["rows"] == 4 and first["tables"]["case"]["rows"] == 0
    assert "password_hash" not in first["tables"]["user"]["columns"]
    push(server, token, [register_command()])
    second = requests.get(server.url + "/api/sync/integrity", headers=auth(token), timeout=T).json()
    assert second["last_seq"] == first["last_seq"] + 2
    assert second["tables"]["case"]["rows"] == 1
    assert second["tables"]["cell"] == first["tables"]["cell"]
    assert second["tables"]["case"]["checksum"] != first["tables"]["case"]["checksum"]


def test_withdrawal_is_at_most_once_and_an_applied_command_keeps_its_answer(server):
    token = server.login()
    pending = register_command()
    withdraw = {key: pending[key] for key in ("command_id", "case_id", "kind", "operator", "workstation", "issued_at")}
    reply = requests.post(server.url + "/api/sync/withdraw", json={"commands": [withdraw]}, headers=auth(token),
                          timeout=T).json()
    assert reply["results"][0]["outcome"] == "withdrawn"
    # A copy that was still in flight is never applied.
    assert push(server, token, [pending])[0]["outcome"] == "withdrawn"
    changes = requests.get(server.url + "/api/changes", params={"after": 0, "limit": 20000}, headers=auth(token),
                           timeout=T).json()["changes"]
    assert not [c for c in changes if c["entity"] == "case"]
    # Too late: the server applied it already, and says so.
    applied = register_command()
    accepted = push(server, token, [applied])[0]
    late = {key: applied[key] for key in withdraw}
    reply = requests.post(server.url + "/api/sync/withdraw", json={"commands": [late]}, headers=auth(token),
                          timeout=T).json()
    assert reply["results"][0] == accepted


def test_bad_withdrawals_and_audit_records_change_nothing(server):
    token = server.login()
    good = {"audit_id": str(uuid.uuid4()), "command_id": str(uuid.uuid4()), "action": "discard",
            "reason": "typed the wrong cell", "operator": "dispatcher", "workstation": "T1", "at": now_iso()}
    for bad in ({**good, "action": "erase"}, {**good, "reason": "  "}, {**good, "at": "yesterday"}):
        reply = requests.post(server.url + "/api/sync/audit", json={"records": [good | {"audit_id": str(uuid.uuid4())}, bad]},
                              headers=auth(token), timeout=T)
        assert reply.status_code == 422, reply.text
    records = requests.get(server.url + "/api/sync/audit", headers=auth(token), timeout=T).json()["records"]
    assert records == []  # all or nothing
    assert requests.post(server.url + "/api/sync/audit", json={"records": [good]}, headers=auth(token),
                         timeout=T).json() == {"stored": 1, "already_had": 0}
    assert requests.post(server.url + "/api/sync/audit", json={"records": [good]}, headers=auth(token),
                         timeout=T).json() == {"stored": 0, "already_had": 1}
    stored = requests.get(server.url + "/api/sync/audit", params={"workstation": "T1"}, headers=auth(token),
                          timeout=T).json()["records"]
    assert [(r["action"], r["reason"], r["received_from"]) for r in stored] == [
        ("discard", "typed the wrong cell", "dispatcher")]
    bad_withdrawal = {"command_id": "not-a-uuid", "case_id": "c", "kind": "register_case", "operator": "dispatcher",
                      "workstation": "T1", "issued_at": now_iso()}
    assert requests.post(server.url + "/api/sync/withdraw", json={"commands": [bad_withdrawal]},
                         headers=auth(token), timeout=T).status_code == 422


def test_clock_is_to_the_millisecond(server):
    token = server.login()
    before = time.time() * 1000
    clock = requests.get(server.url + "/api/sync/clock", headers=auth(token), timeout=T).json()
    after = time.time() * 1000
    assert before - 5 <= clock["epoch_ms"] <= after + 5
