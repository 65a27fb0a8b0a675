"""``ServerClient`` against a real server process: the one re-sign-in after a
401, timeouts and refused connections as ``NetworkError``, replies that
break the contract as ``ProtocolError``, the long-poll and its cancelling."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.net.client import AuthError, NetworkError, ProtocolError, ServerClient, Timeouts


def invalidate_tokens(tmp_path) -> int:
    """Forget every token on the server (as after a server-side sign-out of all)."""
    with sqlite3.connect(tmp_path / "server.db") as conn:
        return conn.execute("DELETE FROM tokens").rowcount


def test_one_re_sign_in_after_the_server_forgets_the_token(sqlite_server, tmp_path):
    client = ServerClient(sqlite_server.url, "WS1")
    user = client.login("dispatcher", "demo")
    assert user["role"] == "dispatcher" and client.sign_ins == 1
    first = client.token()
    assert client.call("GET", "/api/changes", params={"after": 0, "limit": 1})["last_seq"] >= 0
    assert client.sign_ins == 1  # a good token: no sign-in
    assert invalidate_tokens(tmp_path) == 1
    body = client.call("GET", "/api/changes", params={"after": 0, "limit": 1})
    assert isinstance(body["changes"], list)
    assert client.sign_ins == 2 and client.token() != first
    client.close()


def test_threads_refused_together_share_one_re_sign_in(sqlite_server, tmp_path):
    client = ServerClient(sqlite_server.url, "WS1")
    client.login("dispatcher", "demo")
    invalidate_tokens(tmp_path)
    start = threading.Barrier(4)

    def call(_n: int) -> int:
        start.wait(timeout=10)
        return client.call("GET", "/api/changes", params={"after": 0, "limit": 1})["last_seq"]

    with ThreadPoolExecutor(4) as pool:
        seqs = list(pool.map(call, range(4)))
    assert len(set(seqs)) == 1
    assert client.sign_ins == 2  # four 401s for one token: one sign-in
    client.close()


def test_a_refused_password_raises_auth_error_and_no_call_is_made_without_sign_in(sqlite_server):
    client = ServerClient(sqlite_server.url, "WS1")
    with pytest.raises(AuthError) as info:
        client.call("GET", "/api/changes")
    assert info.value.code == "not_signed_in"
    with pytest.raises(AuthError) as info:
        client.login("dispatcher", "wrong")
    assert info.value.code == "sign_in_refused" and info.value.params["user"] == "dispatcher"
    assert not client.signed_in
    client.remember("dispatcher", "wrong")  # an offline sign-in the server then refuses
    with pytest.raises(AuthError) as info:
        client.call("GET", "/api/changes")
    assert info.value.code == "sign_in_refused" and client.sign_ins == 0
    client.close()


def test_a_slow_answer_times_out_as_a_network_error(sqlite_server):
    client = ServerClient(sqlite_server.url, "WS1", timeouts=Timeouts(read_s=0.5))
    client.login("dispatcher", "demo")
    last = client.call("GET", "/api/health")["last_seq"]
    started = time.monotonic()
    with pytest.raises(NetworkError) as info:
        # The server holds this for 5 s: longer than the read timeout.
        client.call("GET", "/api/sync/wait", params={"after": last, "timeout": 5})
    assert info.value.code == "timeout"
    assert time.monotonic() - started < 4
    client.close()


def test_a_stopped_server_is_unreachable(sqlite_server):
    client = ServerClient(sqlite_server.url, "WS1")
    client.login("dispatcher", "demo")
    sqlite_server.stop()
    with pytest.raises(NetworkError) as info:
        client.call("GET", "/api/health")
    assert info.value.code == "unreachable"
    with pytest.raises(NetworkError):
        client.long_poll("/api/sync/wait", {"after": 0}, wait_s=1)
    client.close()


def test_replies_that_break_the_contract_raise_protocol_error(sqlite_server):
    client = ServerClient(sqlite_server.url, "WS1")
    client.login("dispatcher", "demo")
    with pytest.raises(ProtocolError) as info:
        client.call("GET", "/docs")  # an HTML page, not a JSON object
    assert info.value.code == "bad_reply" and info.value.params["request"] == "GET /docs"
    with pytest.raises(ProtocolError) as info:
        client.call("GET", "/api/no-such-endpoint")
    assert info.value.code == "http_status" and info.value.params["status"] == 404
    with pytest.raises(ProtocolError) as info:
        client.call("GET", "/api/changes", params={"limit": 0})  # refused by the API's own rules
    assert info.value.params["status"] == 422
    with pytest.raises(ProtocolError) as info:
        client.long_poll("/api/no-such-wait", {})
    assert info.value.params["status"] == 404
    # An accepted status is handed back as it is.
    assert client.request("GET", "/api/no-such-endpoint", accept=(404,)).status_code == 404
    client.close()


def test_the_long_poll_re_signs_in_once_and_can_be_cut(sqlite_server, tmp_path):
    client = ServerClient(sqlite_server.url, "WS1")
    client.login("dispatcher", "demo")
    last = client.call("GET", "/api/health")["last_seq"]
    assert client.long_poll("/api/sync/wait", {"after": 0}, wait_s=1)["last_seq"] == last
    invalidate_tokens(tmp_path)
    assert client.long_poll("/api/sync/wait", {"after": 0}, wait_s=1)["last_seq"] == last
    assert client.sign_ins == 2
    # Nothing new: the server would hold it 20 s; cancelling cuts it now.
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        held = pool.submit(client.long_poll, "/api/sync/wait", {"after": last}, 20)
        deadline = time.monotonic() + 5
        while not client.long_polls_in_flight() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert client.long_polls_in_flight() == 1
        client.cancel_long_polls()
        with pytest.raises(NetworkError):
            held.result(timeout=5)
        assert time.monotonic() - started < 5
    with pytest.raises(NetworkError):  # and no new one starts
        client.long_poll("/api/sync/wait", {"after": last}, wait_s=1)
    client.close()
