"""The whole case loop against a real server process: every transition,
allowed and forbidden, per role — refused with a reason and changing
nothing on the server (change feed unchanged) and on a workstation
(``LocalStore.queue_command`` raises, nothing written)."""

from __future__ import annotations

import uuid
from collections import defaultdict

import pytest
import requests

from app.store.replica import LocalStore
from app.sync.engine import SyncEngine
from core.cases import (
    TRANSITIONS,
    CaseStatus,
    Command,
    CommandKind,
    CommandRejected,
    Role,
    callback_target,
)
from core.resources import load_categories
from support import ServerProcess, seed_small_world

T = 20
CELL = "110101001001001"
LOCATION = {"cell_code": CELL, "lon": 116.4105, "lat": 39.9204, "category": "E0102"}
USERS = {Role.ADMIN: "admin", Role.DISPATCHER: "dispatcher", Role.SHIFT_LEADER: "leader",
         Role.LEADER: "boss", Role.ACCEPTOR: "acceptor", Role.DEPARTMENT: "dept",
         Role.SUPERVISOR: "supervisor", Role.HOTLINE: "hotline"}
T0 = "2026-11-18T09:00:00+08:00"  # dispatch: 暴露垃圾 is due 13:00
BEFORE_DEADLINE = "2026-11-18T09:30:00+08:00"
AFTER_DEADLINE = "2026-11-20T09:00:00+08:00"

PAYLOADS = {
    CommandKind.REPORT: {"source": "hotline", "description": "rubbish at the gate", **LOCATION},
    CommandKind.VERIFY: {},
    CommandKind.LOCATE: {"cell_code": "110101001001002", "lon": 116.4115, "lat": 39.9204},
    CommandKind.REGISTER: {"category": "E0102", "cell_code": CELL, "lon": 116.4105, "lat": 39.9204},
    CommandKind.CANCEL: {"reason": "duplicate"},
    CommandKind.DISPATCH: {"department_id": "D-SAN"},
    CommandKind.REDISPATCH: {"department_id": "D-ROAD", "reason": "roads"},
    CommandKind.RETURN: {"reason": "not ours"},
    CommandKind.REJECT_RETURN: {"reason": "yours"},
    CommandKind.REPORT_HANDLED: {},
    CommandKind.CHECK: {},
    CommandKind.REWORK: {"reason": "still dirty"},
    CommandKind.CLOSE: {},
    CommandKind.CALLBACK: {"result": "satisfied"},
    CommandKind.EXTEND: {"value": 2, "unit": "work_hours", "reason": "crane"},
    CommandKind.DEFER: {"reason": "road works"},
    CommandKind.RESUME: {},
    CommandKind.ESCALATE: {"reason": "late"},
    CommandKind.ADD_NOTE: {"text": "called back"},
}
KINDS = [k for k in CommandKind if k is not CommandKind.ATTACH]  # ATTACH: its own endpoint, below

# How an admin brings a case to each status.
CHAINS: dict[CaseStatus, list[tuple[CommandKind, dict]]] = {
    CaseStatus.REPORTED: [(CommandKind.REPORT, {"source": "supervisor", "description": "x", **LOCATION})],
    CaseStatus.REGISTERED: [(CommandKind.REGISTER, PAYLOADS[CommandKind.REGISTER])],
}
CHAINS[CaseStatus.VERIFIED] = CHAINS[CaseStatus.REPORTED] + [(CommandKind.VERIFY, {})]
CHAINS[CaseStatus.CANCELLED] = CHAINS[CaseStatus.REGISTERED] + [(CommandKind.CANCEL, {"reason": "dup"})]
CHAINS[CaseStatus.DISPATCHED] = CHAINS[CaseStatus.REGISTERED] + [(CommandKind.DISPATCH, {"department_id": "D-SAN"})]
CHAINS[CaseStatus.RETURNED] = CHAINS[CaseStatus.DISPATCHED] + [(CommandKind.RETURN, {"reason": "no"})]
CHAINS[CaseStatus.DEFERRED] = CHAINS[CaseStatus.DISPATCHED] + [(CommandKind.DEFER, {"reason": "later"})]
CHAINS[CaseStatus.HANDLED] = CHAINS[CaseStatus.DISPATCHED] + [(CommandKind.REPORT_HANDLED, {})]
CHAINS[CaseStatus.CHECKED] = CHAINS[CaseStatus.HANDLED] + [(CommandKind.CHECK, {})]
CHAINS[CaseStatus.CLOSED] = CHAINS[CaseStatus.CHECKED] + [(CommandKind.CLOSE, {})]
assert set(CHAINS) == set(CaseStatus)


def add_role_users(url: str) -> None:
    """One user per role (password demo); the department user is D-SAN's."""
    from server.storage import ServerStore

    store = ServerStore(url)
    for role, name in USERS.items():
        if store.login(name, "demo", "X") is None:
            store.add_user(name, f"{role.value} user", role, "demo",
                           department_id="D-SAN" if role is Role.DEPARTMENT else None)
    store.close()


@pytest.fixture
def loop_server(world_url):
    """On both engines."""
    add_role_users(world_url)
    proc = ServerProcess(world_url).start()
    yield proc
    proc.stop()


@pytest.fixture
def matrix_server(tmp_path):
    """The full matrix is some 2,000 commands: it runs on SQLite; the same
    rules code decides on PostgreSQL (see the loop test below)."""
    url = f"sqlite:///{tmp_path / 'server.db'}"
    seed_small_world(url)
    add_role_users(url)
    proc = ServerProcess(url).start()
    yield proc
    proc.stop()


class Client:
    def __init__(self, server: ServerProcess):
        self.server = server
        self.tokens = {role: server.login(name, "demo", "T1") for role, name in USERS.items()}

    def push(self, role: Role, commands: list[Command]) -> list[dict]:
        results: list[dict] = []
        for start in range(0, len(commands), 1000):
            reply = requests.post(self.server.url + "/api/commands",
                                  json={"commands": [c.to_dict() for c in commands[start:start + 1000]]},
                                  headers={"Authorization": f"Bearer {self.tokens[role]}"}, timeout=120)
            assert reply.status_code == 200, reply.text
            results += reply.json()["results"]
        return results

    def last_seq(self) -> int:
        return requests.get(self.server.url + "/api/health", timeout=T).json()["last_seq"]


def at_for(kind: CommandKind) -> str:
    return AFTER_DEADLINE if kind is CommandKind.ESCALATE else BEFORE_DEADLINE


def chain(case_id: str, status: CaseStatus, hotline: bool) -> list[Command]:
    steps = list(CHAINS[status])
    if hotline and steps[0][0] is CommandKind.REGISTER:
        steps[0] = (CommandKind.REGISTER, {**steps[0][1], "source": "hotline"})
    if hotline and status is CaseStatus.CLOSED:
        steps[-1] = (CommandKind.CALLBACK, {"result": "satisfied"})
    return [Command.new(kind, case_id, payload, operator="admin", workstation="T1", issued_at=T0)
            for kind, payload in steps]


def expected(kind: CommandKind, role: Role, status: CaseStatus | None) -> bool:
    rule = TRANSITIONS[kind]
    if role not in rule.roles:
        return False
    if status is None:
        return rule.creates
    if role is Role.DEPARTMENT and status in NOT_DISPATCHED:
        return False  # a department acts on the cases dispatched to it only
    return kind is not CommandKind.REPORT and (rule.sources is None or status in rule.sources)


NOT_DISPATCHED = {CaseStatus.REPORTED, CaseStatus.VERIFIED, CaseStatus.REGISTERED, CaseStatus.CANCELLED}
CODES = {"role_forbidden", "wrong_status", "no_such_case", "case_exists", "not_your_case"}


def test_every_transition_per_role_on_server_and_workstation(matrix_server, tmp_path):
    loop_server = matrix_server
    client = Client(loop_server)
    # A case in every status, plus a hotline one (callback needs it), plus one
    # fresh case for each allowed (kind, role, status).
    base: dict[tuple[CaseStatus, bool], str] = {}
    fresh: dict[tuple[CommandKind, Role, CaseStatus], str] = {}
    setup: list[Command] = []
    for status in CaseStatus:
        for hotline in (False, True):
            base[(status, hotline)] = str(uuid.uuid4())
            setup += chain(base[(status, hotline)], status, hotline)
    for kind in KINDS:
        for role in Role:
            for status in CaseStatus:
                if expected(kind, role, status):
                    case_id = str(uuid.uuid4())
                    fresh[(kind, role, status)] = case_id
                    setup += chain(case_id, status, kind is CommandKind.CALLBACK)
    results = client.push(Role.ADMIN, setup)
    assert all(r["outcome"] == "accepted" for r in results), [r for r in results if r["outcome"] != "accepted"][:3]

    # The workstation: one per role, replicas of the same server.
    engine = SyncEngine(tmp_path / "ws.db", loop_server.url, "WS1")
    engine.login("admin", "demo")
    assert engine.sync_once().error is None
    store = LocalStore(tmp_path / "ws.db")

    def command(kind: CommandKind, role: Role, case_id: str) -> Command:
        state = store.case(case_id)
        return Command.new(kind, case_id, PAYLOADS[kind], operator=USERS[role], workstation="T1",
                           issued_at=at_for(kind), base_version=state.version if state else 0)

    forbidden: dict[Role, list[tuple[Command, CaseStatus | None]]] = defaultdict(list)
    allowed: dict[Role, list[tuple[Command, CaseStatus]]] = defaultdict(list)
    for kind in KINDS:
        for role in Role:
            for status in [None, *CaseStatus]:
                if expected(kind, role, status):
                    if status is not None:
                        allowed[role].append((command(kind, role, fresh[(kind, role, status)]), status))
                    continue
                case_id = base[(status, kind is CommandKind.CALLBACK)] if status else str(uuid.uuid4())
                forbidden[role].append((command(kind, role, case_id), status))
    department = {Role.DEPARTMENT: "D-SAN"}

    # Workstation side first: refused at once, nothing written.
    before = store.row_counts()
    cases_before = {case_id: store.case(case_id) for case_id in base.values()}
    refusals = 0
    for role, items in forbidden.items():
        for cmd, _status in items:
            with pytest.raises(CommandRejected) as info:
                store.queue_command(cmd, role, department.get(role))
            assert info.value.code in CODES
            assert info.value.message
            refusals += 1
    assert store.row_counts() == before
    assert {case_id: store.case(case_id) for case_id in base.values()} == cases_before
    assert refusals > 1000

    # Server side: refused with the same reason, the change feed unchanged.
    seq = client.last_seq()
    for role, items in forbidden.items():
        results = client.push(role, [cmd for cmd, _ in items])
        for (cmd, status), result in zip(items, results, strict=True):
            assert result["outcome"] == "rejected", (cmd.kind, role, status)
            try:
                store.check(cmd, role, department.get(role))
            except CommandRejected as exc:
                assert result["reason"]["code"] == exc.code, (cmd.kind, role, status)
            assert result["reason"]["message"]
    assert client.last_seq() == seq

    # Allowed: accepted by the workstation (optimistic) and by the server,
    # and both end in the status the rules say.
    queued = 0
    for role, items in allowed.items():
        for cmd, _status in items:
            store.queue_command(cmd, role, department.get(role))
            queued += 1
        results = client.push(role, [cmd for cmd, _ in items])
        for (cmd, status), result in zip(items, results, strict=True):
            assert result["outcome"] == "accepted", (cmd.kind, role, status, result.get("reason"))
            target = TRANSITIONS[cmd.kind].target or status
            if cmd.kind is CommandKind.CALLBACK:
                target = callback_target(cmd.payload["result"])
            assert store.case(cmd.case_id).status is target
    assert queued == len(fresh)
    assert engine.sync_once().error is None
    for (kind, _role, status), case_id in fresh.items():
        server_view = store.case(case_id)
        assert store.case_pending(case_id) == 0
        target = TRANSITIONS[kind].target or status
        if kind is CommandKind.CALLBACK:
            target = callback_target(PAYLOADS[kind]["result"])
        assert server_view.status is target
    engine.close()
    store.close()


def test_categories_and_calendar_travel_in_the_change_feed(loop_server, tmp_path):
    token = loop_server.login("admin")
    feed = requests.get(loop_server.url + "/api/changes", params={"after": 0, "limit": 5000},
                        headers={"Authorization": f"Bearer {token}"}, timeout=T).json()
    refs = {c["id"]: c["data"] for c in feed["changes"] if c["entity"] == "reference"}
    assert set(refs) == {"categories", "calendar"}
    published = requests.get(loop_server.url + "/api/reference",
                             headers={"Authorization": f"Bearer {token}"}, timeout=T).json()
    assert published["categories"]["version"] == refs["categories"]["version"]
    assert published["categories"]["published"] == refs["categories"]["version"]
    # A restart with the same files publishes nothing new.
    seq = feed["last_seq"]
    loop_server.stop()
    loop_server.start()
    health = requests.get(loop_server.url + "/api/health", timeout=T).json()
    assert health["last_seq"] == seq
    # The workstation uses the server's tree.
    engine = SyncEngine(tmp_path / "ws.db", loop_server.url, "WS1")
    engine.login("dispatcher", "demo")
    report = engine.sync_once()
    assert report.error is None and "reference" in report.summary.entities
    store = LocalStore(tmp_path / "ws.db")
    assert store.reference_versions["categories"] == refs["categories"]["version"]
    assert len(store.categories.subclasses) == len(load_categories().subclasses)
    engine.close()
    store.close()


def test_the_loop_and_its_refusals_on_both_engines(loop_server, tmp_path):
    """Report -> verify -> register -> dispatch -> return -> dispatch again ->
    extend -> handled -> check -> rework -> handled -> check -> close, each
    step by the role the domain gives it; wrong roles and wrong stages in
    between are refused and leave the feed as it was."""
    client = Client(loop_server)
    case_id = str(uuid.uuid4())
    at = iter(f"2026-11-18T09:{m:02d}:00+08:00" for m in range(0, 60, 2))

    def step(role: Role, kind: CommandKind, payload: dict | None = None) -> dict:
        cmd = Command.new(kind, case_id, payload if payload is not None else PAYLOADS[kind],
                          operator=USERS[role], workstation="T1", issued_at=next(at))
        return client.push(role, [cmd])[0]

    def refused(role: Role, kind: CommandKind, code: str, payload: dict | None = None) -> None:
        seq = client.last_seq()
        result = step(role, kind, payload)
        assert result["outcome"] == "rejected" and result["reason"]["code"] == code, result
        assert client.last_seq() == seq

    assert step(Role.SUPERVISOR, CommandKind.REPORT, {"source": "supervisor", "description": "垃圾",
                                                       **LOCATION})["outcome"] == "accepted"
    refused(Role.ACCEPTOR, CommandKind.REGISTER, "wrong_status", {})
    refused(Role.DISPATCHER, CommandKind.VERIFY, "role_forbidden")
    assert step(Role.SUPERVISOR, CommandKind.VERIFY)["outcome"] == "accepted"
    registered = step(Role.ACCEPTOR, CommandKind.REGISTER, {})
    assert registered["outcome"] == "accepted" and registered["number"].startswith("20261118")
    refused(Role.ACCEPTOR, CommandKind.DISPATCH, "role_forbidden")
    assert step(Role.DISPATCHER, CommandKind.DISPATCH)["outcome"] == "accepted"
    assert step(Role.DEPARTMENT, CommandKind.RETURN)["outcome"] == "accepted"
    assert step(Role.DISPATCHER, CommandKind.DISPATCH, {"department_id": "D-SAN"})["outcome"] == "accepted"
    refused(Role.DISPATCHER, CommandKind.EXTEND, "role_forbidden")
    assert step(Role.SHIFT_LEADER, CommandKind.EXTEND)["outcome"] == "accepted"
    refused(Role.SHIFT_LEADER, CommandKind.EXTEND, "leader_required")
    assert step(Role.LEADER, CommandKind.EXTEND)["outcome"] == "accepted"
    refused(Role.SHIFT_LEADER, CommandKind.CLOSE, "wrong_status")
    assert step(Role.DEPARTMENT, CommandKind.REPORT_HANDLED)["outcome"] == "accepted"
    assert step(Role.SUPERVISOR, CommandKind.REWORK)["outcome"] == "accepted"
    assert step(Role.DEPARTMENT, CommandKind.REPORT_HANDLED)["outcome"] == "accepted"
    assert step(Role.SUPERVISOR, CommandKind.CHECK)["outcome"] == "accepted"
    refused(Role.DEPARTMENT, CommandKind.CALLBACK, "role_forbidden", {"result": "satisfied"})
    refused(Role.ACCEPTOR, CommandKind.CALLBACK, "not_hotline", {"result": "satisfied"})
    assert step(Role.SHIFT_LEADER, CommandKind.CLOSE)["outcome"] == "accepted"
    token = client.tokens[Role.ADMIN]
    feed = requests.get(loop_server.url + "/api/changes", params={"after": 0, "limit": 5000},
                        headers={"Authorization": f"Bearer {token}"}, timeout=T).json()
    rows = [c["data"] for c in feed["changes"] if c["entity"] == "case" and c["id"] == case_id]
    final = rows[-1]
    assert final["status"] == "closed" and final["extension_count"] == 2 and final["rework_count"] == 1
    assert [r["status"] for r in rows][:4] == ["reported", "verified", "registered", "dispatched"]
    events = [c["data"] for c in feed["changes"] if c["entity"] == "case_event" and c["data"]["case_id"] == case_id]
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    assert {e["operator"] for e in events} == {"supervisor", "acceptor", "dispatcher", "dept", "leader", "boss"}
