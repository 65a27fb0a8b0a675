"""12345 hotline intake: the platform posts tickets, reads where they stand,
and records its callback (回访) results.

- ``POST /api/hotline/tickets``: a ticket becomes a REPORTED case with source
  ``hotline``; posting the same ``ticket_id`` again returns the same case and
  changes nothing.
- ``GET /api/hotline/tickets/{ticket_id}``: the link back — the case's number,
  status, deadline, callback result and timeline.
- ``POST /api/hotline/tickets/{ticket_id}/callback``: satisfied or unreachable
  closes the case, unsatisfied sends it back to the department (core/cases.py).

The platform signs in like a workstation, with an account of role
``hotline`` (or ``admin``); other roles get 403.

A refusal (``StorageError``) becomes its HTTP status through the app's
exception handler (server/api/errors.py).

Threading: plain ``def`` endpoints, run in the API's worker threads.
"""

# No "from __future__ import annotations": FastAPI reads the annotations.

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from core.cases import CallbackResult, Role
from server.storage import ServerStore
from server.storage.hotline import Ticket


class TicketIn(BaseModel):
    ticket_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    caller: str = Field(default="", max_length=64)
    phone: str = Field(default="", max_length=32, pattern=r"^[0-9+\- ()]*$")
    content: str = Field(min_length=1, max_length=2000)
    address_text: str = Field(default="", max_length=500)
    time_limit: str | None = Field(default=None, description="ISO 8601 with offset: when the "
                                   "12345 centre wants the ticket done")
    received_at: str | None = Field(default=None, description="ISO 8601 with offset: when the call came in")


class CallbackIn(BaseModel):
    result: CallbackResult
    note: str = Field(default="", max_length=2000)
    callback_id: str | None = Field(default=None, max_length=64,
                                    description="the platform's id of this callback; repeats are applied once")


def hotline_router(store: ServerStore, current_user: Callable[..., dict[str, Any]]) -> APIRouter:
    router = APIRouter(prefix="/api/hotline", tags=["hotline"])
    User = Annotated[dict[str, Any], Depends(current_user)]

    def hotline_only(user: dict[str, Any]) -> None:
        if user["role"] not in (Role.HOTLINE.value, Role.ADMIN.value):
            raise HTTPException(403, "only the hotline account may use the hotline API")

    @router.post("/tickets")
    def post_ticket(body: TicketIn, user: User) -> Any:
        hotline_only(user)
        return store.hotline.intake(Ticket(body.ticket_id, body.caller.strip(), body.phone.strip(),
                                    body.content.strip(), body.address_text.strip(),
                                    body.time_limit, body.received_at), user)

    @router.get("/tickets/{ticket_id}")
    def get_ticket(ticket_id: str, user: User) -> Any:
        status = store.hotline.ticket_status(ticket_id)
        if status is None:
            raise HTTPException(404, f"no case answers ticket {ticket_id}")
        return status

    @router.post("/tickets/{ticket_id}/callback")
    def post_callback(ticket_id: str, body: CallbackIn, user: User) -> Any:
        hotline_only(user)
        return store.hotline.callback(ticket_id, body.result.value, body.note.strip(), user, body.callback_id)

    return router
