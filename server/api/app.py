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
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from core.timeutil import now_iso
from server.storage import ServerStore

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

    @app.get("/api/changes", response_model=ChangePage)
    def changes(user: User, after: Annotated[int, Query(ge=0)] = 0,
                limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> ChangePage:
        page, last = store.changes_after(after, limit)
        more = bool(page) and page[-1].seq < last
        return ChangePage(changes=[ChangeOut(**c.to_dict()) for c in page], last_seq=last,
                          more=more, server_time=now_iso())

    @app.post("/api/commands", response_model=CommandResults)
    def push_commands(body: CommandBatch, user: User) -> CommandResults:
        return CommandResults(results=store.apply_commands(body.commands, user), server_time=now_iso())

    @app.get("/api/positions", response_model=PositionPage)
    def positions(user: User, after: Annotated[int, Query(ge=0)] = 0,
                  limit: Annotated[int, Query(ge=1, le=20000)] = 5000) -> PositionPage:
        rows = store.positions_after(after, limit)
        cursor = rows[-1]["position_id"] if rows else after
        return PositionPage(positions=rows, cursor=cursor, more=len(rows) >= limit,
                            server_time=now_iso())

    @app.get("/api/positions/latest")
    def latest_positions(user: User) -> dict[str, Any]:
        return {"vehicles": store.latest_positions(), "cursor": store.last_position_id(),
                "server_time": now_iso()}

    @app.get("/api/gateway/stats")
    def stats(user: User) -> dict[str, Any]:
        return gateway_stats() if gateway_stats else {}

    @app.exception_handler(ValueError)
    def value_error(_request, exc: ValueError) -> JSONResponse:
        return JSONResponse(status_code=400, content={"detail": str(exc)})

    return app
