"""A new workstation's first download: the server's snapshot file.

``download_snapshot`` streams ``GET /api/sync/snapshot`` into a temporary
file next to the store and copies it in (app/store/replica.py
``apply_snapshot``, one INSERT…SELECT per table).  A server without
snapshots (404) leaves the store as it was: the change feed brings
everything.  A file the store refuses raises ``ProtocolError`` and changes
nothing; the temporary file never outlives the call.

Threading: blocking; the sync worker's thread, with its store.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app.net.client import ProtocolError, ServerClient
from app.store.replica import ChangeSummary, LocalStore, StoreError


def download_snapshot(client: ServerClient, store: LocalStore) -> tuple[int, int, ChangeSummary]:
    """Returns (feed position to follow from, rows copied, summary);
    (0, 0, empty) when the server has no snapshot."""
    fd, name = tempfile.mkstemp(prefix=".snapshot-", suffix=".sqlite", dir=store.path.parent)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, client.stream(
                "GET", "/api/sync/snapshot", accept=(404,),
                read_s=client.timeouts.snapshot_read_s) as download:
            if download.status == 404:
                return 0, 0, ChangeSummary()
            for chunk in download.chunks():
                out.write(chunk)
        try:
            return store.apply_snapshot(path)
        except StoreError as exc:
            raise ProtocolError("snapshot_refused", f"snapshot refused: {exc}", detail=str(exc)) from exc
    finally:
        path.unlink(missing_ok=True)
