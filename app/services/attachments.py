"""A case's photos and documents at the workstation: the list comes from the
local replica, the bytes are fetched on demand and cached in a folder next
to the store (``<store>.attachments/<sha256><ext>``); uploads go to the
server at once (they need it: the outbox carries commands, not files).

Threading: an ``AttachmentService`` lives on the UI thread; its
``*_blocking`` transfers are plain functions that the case pane runs as
queries on the background runner's "attachments" lane (one thread, so they
never hold up the sync engine's rounds; app/runtime/background.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select

from app.store import tables as t
from app.store.replica import LocalStore
from core.attachments import ALLOWED_TYPES, TransferError


class AttachmentTransport(Protocol):
    """What the service needs of the network: the session hands it
    app/net/attachments.py's transport (the service itself speaks no HTTP).
    Both calls block and raise ``TransferError``."""

    def upload(self, case_id: str, path: Path, content_type: str | None = None) -> dict[str, Any]: ...

    def download(self, attachment_id: str, sha256: str, dest: Path) -> Path: ...

    def close(self) -> None: ...


class AttachmentService:
    def __init__(self, store: LocalStore, transport: AttachmentTransport | None):
        self.store = store
        self.transport = transport
        self.cache_dir = store.path.parent / f"{store.path.stem}.attachments"

    @property
    def online_capable(self) -> bool:
        return self.transport is not None

    def shutdown(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def for_case(self, case_id: str) -> list[dict[str, Any]]:
        with self.store.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(t.attachments).where(
                t.attachments.c.case_id == case_id).order_by(t.attachments.c.uploaded_at)).mappings()]

    def cache_path(self, meta: dict[str, Any]) -> Path:
        suffix = ALLOWED_TYPES.get(str(meta["content_type"]), ("",))[0]
        return self.cache_dir / f"{meta['sha256']}{suffix}"

    def cached(self, meta: dict[str, Any]) -> Path | None:
        path = self.cache_path(meta)
        try:
            return path if path.stat().st_size == int(meta["size"]) else None
        except OSError:
            return None

    def fetch_blocking(self, meta: dict[str, Any]) -> Path:
        """The file, from the cache or the server (call on the worker)."""
        path = self.cached(meta)
        if path is not None:
            return path
        if self.transport is None:
            raise TransferError("unreachable", "no server connection for attachments")
        return self.transport.download(str(meta["attachment_id"]), str(meta["sha256"]), self.cache_path(meta))

    def upload_blocking(self, case_id: str, path: Path) -> dict[str, Any]:
        """Send the file (call on the worker); it goes into the cache too,
        so opening it later needs no download."""
        if self.transport is None:
            raise TransferError("unreachable", "no server connection for attachments")
        meta = self.transport.upload(case_id, path)
        dest = self.cache_path(meta)
        if self.cached(meta) is None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            part = dest.with_name(".part-" + dest.name)
            shutil.copyfile(path, part)
            os.replace(part, dest)
        return meta
