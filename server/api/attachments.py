"""Photos and documents of a case, stored on the server, fetched on demand.

- ``POST /api/cases/{case_id}/attachments?filename=NAME`` with the file as
  the raw body and its ``Content-Type``: checked by core/attachments.py
  (type, first bytes, size ≤ 10 MiB, plain name) and by the case rules
  (the case exists; a department only on its own cases).  413 too large,
  415 unsupported type, 422 bad name, empty or content that is not what the
  type says, 404 no such case, 403 not allowed.  Nothing is stored on error.
- ``GET /api/attachments/{attachment_id}``: the bytes (ETag = SHA-256).
- ``GET /api/cases/{case_id}/attachments``: the list, without the bytes.

The change feed carries each attachment's row (without the bytes) and a
timeline event, so every workstation knows a file exists and fetches it
only when someone opens it.  Refusals (``StorageError``) become their HTTP
status through the app's exception handler (server/api/errors.py).

Threading: the upload reads the body on the event loop (bounded), then does
the database work in the worker thread pool; the other endpoints are plain
``def``s.
"""

# No "from __future__ import annotations": FastAPI reads the annotations.

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from core.attachments import MAX_BYTES
from server.storage import ServerStore
from server.storage.errors import TOO_LARGE, StorageError


def attachments_router(store: ServerStore, current_user: Callable[..., dict[str, Any]]) -> APIRouter:
    router = APIRouter(tags=["attachments"])
    User = Annotated[dict[str, Any], Depends(current_user)]

    @router.post("/api/cases/{case_id}/attachments", status_code=201)
    async def upload(case_id: str, request: Request, user: User,
                     filename: Annotated[str, Query(min_length=1, max_length=400)]) -> Any:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BYTES:
            raise StorageError(TOO_LARGE, "too_large", f"at most {MAX_BYTES} bytes are allowed")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BYTES:
                raise StorageError(TOO_LARGE, "too_large", f"at most {MAX_BYTES} bytes are allowed")
            chunks.append(chunk)
        content_type = request.headers.get("content-type", "")
        return await run_in_threadpool(store.attachments.add, case_id, filename, content_type,
                                       b"".join(chunks), user)

    @router.get("/api/attachments/{attachment_id}")
    def download(attachment_id: str, user: User) -> Response:
        found = store.attachments.get(attachment_id)
        if found is None:
            raise HTTPException(404, f"no attachment {attachment_id}")
        meta, data = found
        return Response(data, media_type=meta["content_type"], headers={
            "ETag": f'"{meta["sha256"]}"', "Cache-Control": "private, max-age=31536000, immutable",
            "X-Attachment-Sha256": meta["sha256"]})

    @router.get("/api/cases/{case_id}/attachments")
    def listing(case_id: str, user: User) -> dict[str, Any]:
        return {"attachments": store.attachments.of_case(case_id)}

    return router
