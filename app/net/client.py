"""``ServerClient``: the one client of the central server.

It owns the base URL, the token, the operator's credentials (private to it),
signing in (``POST /api/login``), the ONE re-sign-in after a 401, the
timeouts (``Timeouts``, declared once) and the TLS trust (``Trust``, passed
to every request).  Every HTTP user of the server goes through it: the sync
engine's rounds, its snapshot download and its long-poll, the live position
link, attachment transfers.  Basemap tiles come from third-party servers, so
``HttpTileSource`` takes only its session factory, timeouts and trust.

Errors: a refused, cut or timed-out connection raises ``NetworkError``; a
refused sign-in ``AuthError``; an answer that breaks the API's contract
(an unexpected status, a body that is not a JSON object) ``ProtocolError``.
Each carries a ``Problem`` (code + params) that the views translate; the
English message is for logs.

Threading: one ``ServerClient`` is shared by every thread that talks to the
server (the sync worker, the long-poll worker, the prefetch executor, the
vehicle link's worker, the attachment worker).  requests sessions are not
thread-safe, so it keeps ONE ``requests.Session`` PER THREAD
(``threading.local``); the token and credentials sit behind a lock.  When
several threads get a 401 for the same token, the first signs in again and
the others retry with its new token: still one re-sign-in per refusal.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson
import requests

from core.problems import ProblemError

__all__ = [
    "AuthError",
    "Download",
    "NetworkError",
    "ProtocolError",
    "ServerClient",
    "ServerError",
    "Timeouts",
    "Trust",
]

LOGIN_PATH = "/api/login"


@dataclass(frozen=True)
class Timeouts:
    """Every timeout of the client, in seconds: the one declared set."""

    connect_s: float = 2.0
    read_s: float = 15.0  # an ordinary call
    long_poll_s: float = 20.0  # how long the server may hold a long-poll; the socket waits read_s more
    snapshot_read_s: float = 180.0  # the server builds the snapshot file before it answers
    report_read_s: float = 120.0  # the integrity report counts every table
    upload_read_s: float = 60.0  # attachments, both ways
    tile_s: float = 5.0  # a basemap tile from a third-party server

    def ordinary(self, read_s: float | None = None) -> tuple[float, float]:
        return (self.connect_s, self.read_s if read_s is None else read_s)


@dataclass(frozen=True)
class Trust:
    """Whose certificates HTTPS trusts: the system's (the default), a CA file
    of the district's own, or (``verify=False``, tests only) nobody checks."""

    ca_file: Path | None = None
    verify: bool = True

    def for_requests(self) -> bool | str:
        if not self.verify:
            return False
        return str(self.ca_file) if self.ca_file is not None else True

    def ssl_context(self) -> ssl.SSLContext:
        if not self.verify:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)


class ServerError(ProblemError):
    """A call to the server failed (see the subclasses)."""


class NetworkError(ServerError):
    """The server cannot be reached: refused, timed out, or cut mid-reply.
    Offline is a normal state; the caller retries later."""


class AuthError(ServerError):
    """The server refused the credentials (or there are none)."""


class ProtocolError(ServerError):
    """The server answered, but not with what the API promises."""


def _network(exc: BaseException, what: str) -> NetworkError:
    code = "timeout" if isinstance(exc, requests.Timeout | TimeoutError | socket.timeout) else "unreachable"
    return NetworkError(code, f"{what}: server unreachable: {type(exc).__name__}", kind=type(exc).__name__)


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
        if isinstance(body, dict) and "detail" in body:
            return str(body["detail"])
    except ValueError:
        pass
    return response.text[:200]


class Download:
    """A streamed reply (``ServerClient.stream``): its status, and its body in
    chunks; a cut in the middle raises ``NetworkError``."""

    def __init__(self, response: requests.Response, what: str):
        self.response = response
        self.status = response.status_code
        self._what = what

    def chunks(self, size: int | None = 1 << 20) -> Iterator[bytes]:
        try:
            yield from self.response.iter_content(chunk_size=size)
        except requests.RequestException as exc:
            raise _network(exc, self._what) from exc


class ServerClient:
    def __init__(self, base_url: str, workstation: str, *, timeouts: Timeouts | None = None,
                 trust: Trust | None = None):
        self.base_url = base_url.rstrip("/")
        self.workstation = workstation
        self.timeouts = timeouts or Timeouts()
        self.trust = trust or Trust()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()  # the token, the credentials, the session list
        self._sign_in_lock = threading.Lock()  # one sign-in at a time
        self._token: str | None = None
        self._username: str | None = None
        self._password: str | None = None
        self._polls: set[http.client.HTTPConnection] = set()
        self._polls_cancelled = False
        self.user: dict[str, Any] | None = None  # as the server last described the operator
        self.sign_ins = 0  # successful sign-ins (the tests count the one re-sign-in)

    # ---- sessions, state -------------------------------------------------------

    def new_session(self) -> requests.Session:
        """A requests session with this client's TLS trust and nothing else
        (no token): for third-party servers such as basemap tiles."""
        session = requests.Session()
        session.verify = self.trust.for_requests()
        return session

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self.new_session()
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        """Close every thread's session (after their work has ended)."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    @property
    def operator(self) -> str | None:
        """The user name this client signs in as (None before any sign-in)."""
        return self._username

    @property
    def can_sign_in(self) -> bool:
        return self._username is not None

    @property
    def signed_in(self) -> bool:
        return self._token is not None

    def token(self) -> str | None:
        return self._token

    def remember(self, username: str, password: str) -> None:
        """Sign in as this operator at the next call (an offline sign-in: the
        server checks the password when it is back)."""
        with self._lock:
            self._username, self._password = username, password
            self._token = None

    def forget_token(self) -> None:
        with self._lock:
            self._token = None

    # ---- signing in ------------------------------------------------------------

    def login(self, username: str, password: str) -> dict[str, Any]:
        """Sign in; the credentials are kept for the one re-sign-in after a 401."""
        with self._sign_in_lock:
            return self._login(username, password)

    def _login(self, username: str, password: str) -> dict[str, Any]:
        try:
            response = self._session().post(
                self.base_url + LOGIN_PATH, timeout=self.timeouts.ordinary(),
                json={"username": username, "password": password, "workstation": self.workstation})
        except requests.RequestException as exc:
            raise _network(exc, "POST /api/login") from exc
        if response.status_code == 401:
            raise AuthError("sign_in_refused", f"the server refused the sign-in of {username}: "
                            f"{_detail(response)}", user=username)
        body = self.json_body(response, "POST", LOGIN_PATH)
        token, user = body.get("token"), body.get("user")
        if not isinstance(token, str) or not isinstance(user, dict) or "role" not in user:
            raise ProtocolError("bad_reply", "login reply lacks token or user", request="POST /api/login")
        with self._lock:
            self._token = token
            self._username, self._password = username, password
            self.user = user
            self.sign_ins += 1
        return user

    def sign_in(self) -> dict[str, Any]:
        """Sign in with the remembered credentials (after an offline sign-in,
        or after the server refused them once); returns the server's user."""
        with self._sign_in_lock:
            if self._username is None or self._password is None:
                raise AuthError("not_signed_in", "not signed in")
            return self._login(self._username, self._password)

    def _token_for_call(self) -> str | None:
        """The token to send; signs in first when credentials wait for it."""
        token = self._token
        if token is None and self._username is not None:
            with self._sign_in_lock:
                token = self._token
                if token is None and self._username is not None and self._password is not None:
                    self._login(self._username, self._password)
                    token = self._token
        return token

    def _renew(self, refused: str | None) -> str | None:
        """After a 401 for ``refused``: sign in again, unless another thread
        already did (then its token is used)."""
        with self._sign_in_lock:
            if self._token is not None and self._token != refused:
                return self._token
            if self._username is None or self._password is None:
                return None
            self._login(self._username, self._password)
            return self._token

    # ---- calls -----------------------------------------------------------------

    def request(self, method: str, path: str, *, read_s: float | None = None, accept: tuple[int, ...] = (),
                headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        """One call with the token, signing in again once on a 401.
        ``AuthError`` on a refusal, ``ProtocolError`` on any other error
        status except those in ``accept``, ``NetworkError`` when offline."""
        what = f"{method} {path}"

        def send(token: str | None) -> requests.Response:
            sent = dict(headers or {})
            if token:
                sent["Authorization"] = f"Bearer {token}"
            try:
                return self._session().request(method, self.base_url + path, headers=sent,
                                               timeout=self.timeouts.ordinary(read_s), **kwargs)
            except requests.RequestException as exc:
                raise _network(exc, what) from exc

        token = self._token_for_call()
        response = send(token)
        if response.status_code == 401 and self.can_sign_in:
            response.close()
            response = send(self._renew(token))
        if response.status_code in accept:
            return response
        if response.status_code == 401:
            response.close()
            if not self.can_sign_in:
                raise AuthError("not_signed_in", f"{what}: not signed in")
            raise AuthError("sign_in_refused", f"{what}: token refused after signing in again: "
                            f"{_detail(response)}", user=self._username or "?")
        if response.status_code >= 400:
            detail = _detail(response)
            response.close()
            raise ProtocolError("http_status", f"{what}: HTTP {response.status_code}: {detail}",
                                request=what, status=response.status_code, detail=detail)
        return response

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """``request`` whose reply must be a JSON object."""
        return self.json_body(self.request(method, path, **kwargs), method, path)

    @staticmethod
    def json_body(response: requests.Response, method: str, path: str) -> dict[str, Any]:
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise ProtocolError("bad_reply", f"{method} {path}: reply is not JSON",
                                request=f"{method} {path}") from exc
        except requests.RequestException as exc:  # the body was cut off
            raise _network(exc, f"{method} {path}") from exc
        if not isinstance(body, dict):
            raise ProtocolError("bad_reply", f"{method} {path}: reply is not a JSON object",
                                request=f"{method} {path}")
        return body

    @contextlib.contextmanager
    def stream(self, method: str, path: str, **kwargs: Any) -> Iterator[Download]:
        """A streamed call (snapshot and attachment downloads)."""
        response = self.request(method, path, stream=True, **kwargs)
        try:
            yield Download(response, f"{method} {path}")
        finally:
            response.close()

    # ---- the long-poll -----------------------------------------------------------

    def long_poll(self, path: str, params: dict[str, Any], wait_s: float | None = None) -> dict[str, Any]:
        """``GET path?params`` that the server may hold for ``wait_s``, on a
        connection of its own that ``cancel_long_polls`` (any thread) cuts, so
        closing the window never waits for it.  Same token, one re-sign-in on
        a 401, same errors as ``request``."""
        wait_s = self.timeouts.long_poll_s if wait_s is None else wait_s
        url = urlsplit(self.base_url)
        target = f"{url.path}{path}?{urlencode({**params, 'timeout': wait_s})}"
        what = f"GET {path}"

        def send(token: str | None) -> tuple[int, bytes]:
            if url.scheme == "https":
                conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                    url.hostname or "127.0.0.1", url.port, timeout=wait_s + self.timeouts.read_s,
                    context=self.trust.ssl_context())
            else:
                conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port,
                                                  timeout=wait_s + self.timeouts.read_s)
            try:
                # Connected before it is registered, so ``cancel_long_polls``
                # always finds a socket to cut.
                conn.connect()
                with self._lock:
                    if self._polls_cancelled:
                        raise NetworkError("unreachable", f"{what}: cancelled", kind="cancelled")
                    self._polls.add(conn)
                conn.request("GET", target, headers={"Authorization": f"Bearer {token}"} if token else {})
                response = conn.getresponse()
                return response.status, response.read()
            except (OSError, http.client.HTTPException) as exc:
                raise NetworkError("timeout" if isinstance(exc, TimeoutError) else "unreachable",
                                   f"{what}: {exc!r}", kind=type(exc).__name__) from exc
            finally:
                with self._lock:
                    self._polls.discard(conn)
                conn.close()

        token = self._token_for_call()
        status, data = send(token)
        if status == 401 and self.can_sign_in:
            status, data = send(self._renew(token))
        if status == 401:
            raise AuthError("sign_in_refused", f"{what}: token refused", user=self._username or "?")
        if status >= 400:
            raise ProtocolError("http_status", f"{what}: HTTP {status}", request=what, status=status,
                                detail="")
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise ProtocolError("bad_reply", f"{what}: reply is not JSON", request=what) from exc
        if not isinstance(body, dict):
            raise ProtocolError("bad_reply", f"{what}: reply is not a JSON object", request=what)
        return body

    def long_polls_in_flight(self) -> int:
        with self._lock:
            return len(self._polls)

    def cancel_long_polls(self) -> None:
        """Cut every long-poll in flight, and refuse new ones (any thread)."""
        with self._lock:
            self._polls_cancelled = True
            polls = list(self._polls)
        for conn in polls:
            sock = getattr(conn, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
