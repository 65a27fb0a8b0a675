"""Reference data: the category tree and the working-time calendar.

When the API starts it publishes its files into the change feed if they
changed since last time (server/storage/reference.py), so every workstation
receives them in order with the cases.  ``GET /api/reference`` answers the
versions and the data, for the hotline platform and for diagnostics.

Threading: plain ``def`` endpoints, run in the API's worker threads.
"""

# No "from __future__ import annotations": FastAPI reads the annotations.

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from core.reference import NAMES, load_file
from server.storage import ServerStore


def reference_router(store: ServerStore, current_user: Callable[..., dict[str, Any]]) -> APIRouter:
    store.reference.publish()
    router = APIRouter(tags=["reference"])
    User = Annotated[dict[str, Any], Depends(current_user)]

    @router.get("/api/reference")
    def reference(user: User) -> dict[str, Any]:
        published = store.reference.versions()
        items = {name: load_file(name) for name in NAMES}
        return {name: {"version": item.version, "published": published[name], "data": item.data}
                for name, item in items.items()}

    return router
