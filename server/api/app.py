"""The HTTP API (FastAPI).

Threading: endpoints are plain ``def`` functions, so FastAPI runs them in its
worker thread pool; each calls one ``ServerStore`` method, which opens its
own connection.  Nothing here blocks the event loop that the JT/T 808
gateway shares.
"""

# No "from __future__ import annotations": FastAPI must see the real
# annotations of endpoints defined inside create_app().

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from core.timeutil import now_iso
from server.api.attachments import attachments_router
from server.api.errors import install_error_handlers
from server.api.hotline import hotline_router
from server.api.reference import reference_router
from server.api.sync_health import WAIT_MAX_S, sync_router
from server.api.vehicles import vehicles_router
from server.storage import ServerStore
from server.storage.feed import CHANGE_PAGE_MAX
from server.storage.notify import ChangeNotifier
from server.storage.snapshot import SnapshotCache

API_VERSION = "1"


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    workstation: str = Field(min_length=1, max_length=64)


class UserOut(BaseModel):
    username: str
    display_name: str
    role: str
    department_id: str | None = None


class LoginResponse(BaseModel):
    token: str
    user: UserOut
    server_time: str


class ChangeOut(BaseModel):
    seq: int
    entity: str
    id: str
    data: dict[str, Any]


class ChangePage(BaseModel):
    changes: list[ChangeOut]
    last_seq: int = Field(description="the newest seq the server has; pull again while more is true")
    more: bool
    server_time: str


class CommandBatch(BaseModel):
    commands: list[dict[str, Any]] = Field(max_length=1000)


class CommandResults(BaseModel):
    results: list[dict[str, Any]]
    server_time: str


class PositionPage(BaseModel):
    positions: list[dict[str, Any]]
    cursor: int
    more: bool
    server_time: str


class Health(BaseModel):
    status: str
    api_version: str
    server_time: str
    last_seq: int


def create_app(store: ServerStore, *, gateway_stats=None) -> FastAPI:
    app = FastAPI(
        title="GridDesk central server",
        version=API_VERSION,
        description="System of record for the district command centre: change feed, "
                    "commands, vehicle positions.",
    )

    def current_user(authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        if not authorization or not authorization.startswith("Bearer "):
            raise HTTPException(401, "missing bearer token")
        user = store.user_for_token(authorization.removeprefix("Bearer ").strip())
        if user is None:
            raise HTTPException(401, "unknown or expired token")
        return user

    User = Annotated[dict[str, Any], Depends(current_user)]

    @app.get("/api/health", response_model=Health)
    def health() -> Health:
        return Health(status="ok", api_version=API_VERSION, server_time=now_iso(),
                      last_seq=store.last_seq())

    @app.post("/api/login", response_model=LoginResponse)
    def login(body: LoginRequest) -> LoginResponse:
        result = store.login(body.username, body.password, body.workstation)
        if result is None:
            raise HTTPException(401, "wrong user name or password")
        token, user = result
        return LoginResponse(token=token, user=UserOut(**user), server_time=now_iso())

    notifier = ChangeNotifier(store)
    app.state.notifier = notifier

    @app.get("/api/changes", response_model=ChangePage)
    def changes(user: User, after: Annotated[int, Query(ge=0)] = 0,
                limit: Annotated[int, Query(ge=1, le=CHANGE_PAGE_MAX)] = 1000,
                wait: Annotated[float, Query(ge=0, le=WAIT_MAX_S,
                                             description="long-poll: seconds to wait for a change after `after`")] = 0
                ) -> Response:
        body, count = store.feed.page_body(after, limit)
        if count == 0 and wait > 0 and notifier.wait_for_feed(after, None, wait)[0] > after:
            body, count = store.feed.page_body(after, limit)
        return Response(body, media_type="application/json")

    @app.post("/api/commands", response_model=CommandResults)
    def push_commands(body: CommandBatch, user: User) -> CommandResults:
        return CommandResults(results=store.apply_commands(body.commands, user), server_time=now_iso())

    @app.get("/api/positions", response_model=PositionPage)
    def positions(user: User, after: Annotated[int, Query(ge=0)] = 0,
                  limit: Annotated[int, Query(ge=1, le=20000)] = 5000) -> PositionPage:
        rows = store.positions.after(after, limit)
        cursor = rows[-1]["position_id"] if rows else after
        return PositionPage(positions=rows, cursor=cursor, more=len(rows) >= limit,
                            server_time=now_iso())

    @app.get("/api/positions/latest")
    def latest_positions(user: User) -> dict[str, Any]:
        return {"vehicles": store.positions.latest(), "cursor": store.positions.last_id(),
                "server_time": now_iso()}

    @app.get("/api/gateway/stats")
    def stats(user: User) -> dict[str, Any]:
        return gateway_stats() if gateway_stats else {}

    # The folder next to the database holds at most two snapshots of this process.
    app.state.snapshots = SnapshotCache(store)
    app.include_router(sync_router(store, notifier, current_user, app.state.snapshots))
    app.include_router(hotline_router(store, current_user))
    app.include_router(attachments_router(store, current_user))
    app.include_router(reference_router(store, current_user))
    app.include_router(vehicles_router(store, current_user))

    install_error_handlers(app)

    return app
