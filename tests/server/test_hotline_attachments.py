"""12345 hotline intake and attachments against a real server process, on
SQLite and PostgreSQL.  The hotline platform is outside our system, so the
test plays it with plain HTTP; everything on our side is real."""

from __future__ import annotations

import hashlib
import uuid

import pytest
import requests

from core.attachments import MAX_BYTES
from core.cases import Command, CommandKind, Role
from support import ServerProcess, create_pg_database, drop_pg_database, seed_small_world

T = 20
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 2000


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hotline_server(request, tmp_path_factory):
    """One server per engine for the module: each test uses its own tickets and cases."""
    from server.storage import ServerStore

    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('hotline') / 'server.db'}"
    else:
        url, name = create_pg_database()
    seed_small_world(url)
    store = ServerStore(url)
    store.add_user("hotline", "12345 platform", Role.HOTLINE, "demo")
    store.add_user("sup", "Supervisor Sun", Role.SUPERVISOR, "demo")
    store.add_user("roads", "Roads desk", Role.DEPARTMENT, "demo", department_id="D-ROAD")
    store.close()
    proc = ServerProcess(url).start()
    yield proc
    proc.stop()
    if name:
        drop_pg_database(name)


def fresh_ticket(**changes) -> dict:
    return {**TICKET, "ticket_id": f"HL-{uuid.uuid4().hex[:12]}", **changes}


def auth(server: ServerProcess, user: str) -> dict:
    return {"Authorization": f"Bearer {server.login(user, 'demo', 'T1')}"}


def last_seq(server: ServerProcess) -> int:
    return requests.get(server.url + "/api/health", timeout=T).json()["last_seq"]


TICKET = {"ticket_id": "HL20261118-0042", "caller": "王先生", "phone": "138 0000 0000",
          "content": "东华门大街12号门口垃圾堆了三天", "address_text": "东华门大街12号",
          "time_limit": "2026-11-20T17:30:00+08:00", "received_at": "2026-11-18T08:40:00+08:00"}


def test_a_ticket_becomes_a_reported_case_once_and_links_back(hotline_server):
    server = hotline_server
    headers = auth(server, "hotline")
    ticket = fresh_ticket()
    reply = requests.post(server.url + "/api/hotline/tickets", json=ticket, headers=headers, timeout=T)
    assert reply.status_code == 200, reply.text
    case = reply.json()
    assert case["status"] == "reported" and case["ticket_id"] == ticket["ticket_id"]
    assert case["provisional_number"] == f"12345-{ticket['ticket_id']}" and case["number"] is None
    assert case["due_by"] == TICKET["time_limit"] and case["caller"] == "王先生"
    seq = last_seq(server)
    # The platform retries (a lost reply): same case, nothing new.
    again = requests.post(server.url + "/api/hotline/tickets", json={**ticket, "content": "changed"},
                          headers=headers, timeout=T)
    assert again.status_code == 200 and again.json()["case_id"] == case["case_id"]
    assert again.json()["description"] == TICKET["content"]
    assert last_seq(server) == seq
    # The link back.
    status = requests.get(server.url + f"/api/hotline/tickets/{ticket['ticket_id']}", headers=headers,
                          timeout=T).json()
    assert status["case_id"] == case["case_id"] and status["events"][0]["kind"] == "report_case"
    assert requests.get(server.url + "/api/hotline/tickets/NOPE", headers=headers, timeout=T).status_code == 404


BAD_TICKETS = [
    {**TICKET, "ticket_id": ""},
    {**TICKET, "ticket_id": "../etc"},
    {**TICKET, "content": ""},
    {**TICKET, "content": "x" * 2001},
    {**TICKET, "phone": "call me"},
    {**TICKET, "time_limit": "next week"},
    {**TICKET, "received_at": "2026-11-18 08:40"},
    {k: v for k, v in TICKET.items() if k != "content"},
]


def test_bad_tickets_get_a_clear_error_and_change_nothing(hotline_server):
    seq = last_seq(hotline_server)
    headers = auth(hotline_server, "hotline")
    for body in BAD_TICKETS:
        reply = requests.post(hotline_server.url + "/api/hotline/tickets", json=body, headers=headers, timeout=T)
        assert reply.status_code == 422 and reply.json()["detail"], body
    assert last_seq(hotline_server) == seq


def test_only_the_hotline_account_posts_tickets(hotline_server):
    seq = last_seq(hotline_server)
    ticket = fresh_ticket()
    reply = requests.post(hotline_server.url + "/api/hotline/tickets", json=ticket,
                          headers=auth(hotline_server, "dispatcher"), timeout=T)
    assert reply.status_code == 403
    assert requests.post(hotline_server.url + "/api/hotline/tickets", json=ticket, timeout=T).status_code == 401
    assert last_seq(hotline_server) == seq


def test_callback_closes_or_reopens_and_is_visible(hotline_server):
    server = hotline_server
    hl = auth(server, "hotline")
    ticket = fresh_ticket()
    tid = ticket["ticket_id"]
    case_id = requests.post(server.url + "/api/hotline/tickets", json=ticket, headers=hl, timeout=T).json()["case_id"]
    # Too early: the case is not checked yet.  Refused with the reason, nothing changes.
    seq = last_seq(server)
    early = requests.post(server.url + f"/api/hotline/tickets/{tid}/callback",
                          json={"result": "satisfied"}, headers=hl, timeout=T)
    assert early.status_code == 409 and early.json()["reason"]["code"] == "wrong_status"
    assert last_seq(server) == seq
    # The centre works the case: verify, locate, register, dispatch, handled, check.
    steps = [("acceptor", CommandKind.VERIFY, {}),
             ("acceptor", CommandKind.LOCATE, {"cell_code": "110101001001001", "lon": 116.4105,
                                               "lat": 39.9204, "category": "E0102"}),
             ("acceptor", CommandKind.REGISTER, {}),
             ("dispatcher", CommandKind.DISPATCH, {"department_id": "D-SAN"}),
             ("dept", CommandKind.REPORT_HANDLED, {}),
             ("sup", CommandKind.CHECK, {})]
    for minute, (user, kind, payload) in enumerate(steps):
        cmd = Command.new(kind, case_id, payload, operator=user, workstation="T1",
                          issued_at=f"2026-11-18T09:{minute:02d}:00+08:00")
        result = requests.post(server.url + "/api/commands", json={"commands": [cmd.to_dict()]},
                               headers=auth(server, user), timeout=T).json()["results"][0]
        assert result["outcome"] == "accepted", (kind, result)
    ticket = requests.get(server.url + f"/api/hotline/tickets/{tid}", headers=hl, timeout=T).json()
    assert ticket["number"] and ticket["status"] == "checked"
    # The ticket's own time limit (Friday 17:30) is later than 暴露垃圾's 4 working hours.
    assert ticket["deadline"] == "2026-11-18T14:33:00+08:00"  # 2 h 57 to noon, 1 h 03 after lunch
    bad = requests.post(server.url + f"/api/hotline/tickets/{tid}/callback",
                        json={"result": "meh"}, headers=hl, timeout=T)
    assert bad.status_code == 422
    unhappy = requests.post(server.url + f"/api/hotline/tickets/{tid}/callback",
                            json={"result": "unsatisfied", "note": "还是脏", "callback_id": "cb-1"},
                            headers=hl, timeout=T)
    assert unhappy.status_code == 200, unhappy.text
    assert unhappy.json()["status"] == "dispatched" and unhappy.json()["callback_result"] == "unsatisfied"
    seq = last_seq(server)
    repeated = requests.post(server.url + f"/api/hotline/tickets/{tid}/callback",
                             json={"result": "unsatisfied", "callback_id": "cb-1"}, headers=hl, timeout=T)
    assert repeated.status_code == 200 and last_seq(server) == seq  # applied once
    assert requests.post(server.url + "/api/hotline/tickets/NOPE/callback", json={"result": "satisfied"},
                         headers=hl, timeout=T).status_code == 404


# ---- attachments -----------------------------------------------------------------------


def registered_case(server: ServerProcess) -> str:
    case_id = str(uuid.uuid4())
    cmd = Command.new(CommandKind.REGISTER, case_id, {"category": "E0102", "cell_code": "110101001001001",
                                                      "lon": 116.4105, "lat": 39.9204},
                      operator="dispatcher", workstation="T1", issued_at="2026-11-18T09:00:00+08:00")
    result = requests.post(server.url + "/api/commands", json={"commands": [cmd.to_dict()]},
                           headers=auth(server, "dispatcher"), timeout=T).json()["results"][0]
    assert result["outcome"] == "accepted"
    return case_id


def upload(server, case_id, data, content_type="image/png", filename="photo.png", user="dispatcher"):
    return requests.post(server.url + f"/api/cases/{case_id}/attachments", params={"filename": filename},
                         data=data, headers={**auth(server, user), "Content-Type": content_type}, timeout=T)


def test_upload_list_download(hotline_server):
    server = hotline_server
    case_id = registered_case(server)
    reply = upload(server, case_id, PNG, filename="C:\\photos\\现场.png")
    assert reply.status_code == 201, reply.text
    meta = reply.json()
    assert meta["filename"] == "现场.png" and meta["size"] == len(PNG)
    assert meta["sha256"] == hashlib.sha256(PNG).hexdigest() and meta["uploaded_by"] == "dispatcher"
    got = requests.get(server.url + f"/api/attachments/{meta['attachment_id']}", headers=auth(server, "dept"),
                       timeout=T)
    assert got.status_code == 200 and got.content == PNG and got.headers["content-type"] == "image/png"
    listing = requests.get(server.url + f"/api/cases/{case_id}/attachments", headers=auth(server, "dispatcher"),
                           timeout=T).json()["attachments"]
    assert [a["attachment_id"] for a in listing] == [meta["attachment_id"]] and "data" not in listing[0]
    token = server.login()
    feed = requests.get(server.url + "/api/changes", params={"after": 0, "limit": 5000},
                        headers={"Authorization": f"Bearer {token}"}, timeout=T).json()["changes"]
    rows = [c["data"] for c in feed if c["entity"] == "attachment"]
    assert rows and "data" not in rows[0] and rows[0]["sha256"] == meta["sha256"]
    events = [c["data"] for c in feed if c["entity"] == "case_event" and c["data"]["kind"] == "attach_file"]
    assert len(events) == 1 and events[0]["case_id"] == case_id
    assert requests.get(server.url + f"/api/attachments/{uuid.uuid4()}", headers=auth(server, "dispatcher"),
                        timeout=T).status_code == 404


BAD_UPLOADS = [
    (PNG, "image/gif", "x.gif", 415, "unsupported_type"),
    (PNG, "application/x-msdownload", "x.exe", 415, "unsupported_type"),
    (JPEG, "image/png", "x.png", 422, "type_mismatch"),
    (b"MZ\x90\x00" * 10, "image/jpeg", "x.jpg", 422, "type_mismatch"),
    (b"", "image/png", "x.png", 422, "empty"),
    (PNG, "image/png", "bad\x07name.png", 422, "bad_filename"),
    (PNG, "image/png", "/", 422, "bad_filename"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (MAX_BYTES + 1), "image/png", "big.png", 413, "too_large"),
]


def test_bad_uploads_get_a_clear_error_and_store_nothing(hotline_server):
    server = hotline_server
    case_id = registered_case(server)
    seq = last_seq(server)
    for data, content_type, filename, status, code in BAD_UPLOADS:
        reply = upload(server, case_id, data, content_type, filename)
        assert reply.status_code == status, (filename, reply.text)
        assert reply.json()["reason"]["code"] == code
    assert last_seq(server) == seq
    listing = requests.get(server.url + f"/api/cases/{case_id}/attachments", headers=auth(server, "dispatcher"),
                           timeout=T).json()["attachments"]
    assert listing == []


def test_uploads_follow_the_case_rules(hotline_server):
    server = hotline_server
    seq = last_seq(server)
    assert upload(server, str(uuid.uuid4()), PNG).status_code == 404
    case_id = registered_case(server)
    dispatch = Command.new(CommandKind.DISPATCH, case_id, {"department_id": "D-SAN"}, operator="dispatcher",
                           workstation="T1", issued_at="2026-11-18T09:05:00+08:00")
    requests.post(server.url + "/api/commands", json={"commands": [dispatch.to_dict()]},
                  headers=auth(server, "dispatcher"), timeout=T)
    seq = last_seq(server)
    # Another department may not add photos to this case; its own department may.
    refused = upload(server, case_id, PNG, user="roads")
    assert refused.status_code == 403 and refused.json()["reason"]["code"] == "not_your_case"
    assert last_seq(server) == seq
    assert upload(server, case_id, JPEG, "image/jpeg", "after.jpg", user="dept").status_code == 201
    # attach_file is not a command a workstation may push.
    cmd = Command.new(CommandKind.ATTACH, case_id, {"attachment_id": "x", "filename": "y.png"},
                      operator="dispatcher", workstation="T1", issued_at="2026-11-18T09:10:00+08:00")
    seq = last_seq(server)
    result = requests.post(server.url + "/api/commands", json={"commands": [cmd.to_dict()]},
                           headers=auth(server, "dispatcher"), timeout=T).json()["results"][0]
    assert result["outcome"] == "rejected" and result["reason"]["code"] == "malformed"
    assert last_seq(server) == seq
