"""Where the case loop's storage went: hotline.py (12345 intake and
callbacks), attachments.py, reference.py (reference data in the feed), all
reached through ``ServerStore`` (``store.hotline``, ``store.attachments``,
``store.reference``).  Refusals are ``errors.StorageError``.

Only ``publish_reference`` is left here, for callers outside the server
(tests/app/test_snapshot_apply.py); new code calls ``store.reference.publish()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.storage.store import ServerStore


def publish_reference(store: ServerStore) -> list[str]:
    """``store.reference.publish()``."""
    return store.reference.publish()


__all__ = ["publish_reference"]
