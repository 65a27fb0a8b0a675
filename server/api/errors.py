"""The one place where storage's refusals become HTTP statuses.

Storage (server/storage/errors.py) says what kind of refusal it is; the
API answers the status for that kind, with the body
``{"detail": message, "reason": {"code", "message", "params"}}``, the shape
workstations read (app/sync/attachments.py reads ``reason.code``).

Threading: the handler runs on the event loop; it only builds a response.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from server.storage.errors import (
    BUSY,
    CONFLICT,
    FORBIDDEN,
    INVALID,
    KINDS,
    NOT_FOUND,
    TOO_LARGE,
    UNSUPPORTED,
    StorageError,
)

STATUS_FOR_KIND = {
    NOT_FOUND: 404,
    FORBIDDEN: 403,
    CONFLICT: 409,
    INVALID: 422,
    TOO_LARGE: 413,
    UNSUPPORTED: 415,
    BUSY: 503,
}
assert set(STATUS_FOR_KIND) == set(KINDS), "every kind of storage error needs a status"


def status_for(exc: StorageError) -> int:
    return STATUS_FOR_KIND[exc.kind]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ValueError)
    def value_error(_request: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse(status_code=400, content={"detail": str(exc)})

    @app.exception_handler(StorageError)
    def refused(_request: Request, exc: StorageError) -> JSONResponse:
        return JSONResponse(status_code=status_for(exc), content={"detail": exc.message, "reason": exc.to_dict()})


__all__ = ["STATUS_FOR_KIND", "install_error_handlers", "status_for"]
