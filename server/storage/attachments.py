"""Photos and documents of a case in the server's store.

An upload is checked by core/attachments.py (type, first bytes, size,
plain name) and by the case rules (an ATTACH command through ``apply_in``,
the store's command step), then stored with its timeline line in one feed
transaction.  The change feed carries the row without the bytes
(schema.PRIVATE_COLUMNS); workstations fetch the bytes when someone opens
the file.

Threading: an ``Attachments`` may be used from any API worker thread; each
method runs its own transaction.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy import Engine, select

from core import attachments as attach_rules
from core.cases import Command, CommandKind
from core.timeutil import now_iso
from server.storage import schema as s
from server.storage.errors import INVALID, TOO_LARGE, UNSUPPORTED, StorageError, rule_refusal
from server.storage.feed import ChangeFeed
from server.storage.hotline import ApplyIn

# core/attachments.py's codes that are not plain "invalid".
_KIND_FOR_CODE = {"too_large": TOO_LARGE, "unsupported_type": UNSUPPORTED}


class Attachments:
    def __init__(self, engine: Engine, feed: ChangeFeed, apply_in: ApplyIn):
        self.engine = engine
        self.feed = feed
        self.apply_in = apply_in

    def add(self, case_id: str, filename: str, content_type: str, data: bytes,
            user: dict[str, Any]) -> dict[str, Any]:
        """Check the file and the rules, then store it with its timeline line.
        StorageError and nothing stored when either refuses."""
        try:
            name = attach_rules.check(filename, content_type, len(data), data[:attach_rules.HEAD_BYTES])
        except attach_rules.AttachmentError as exc:
            raise StorageError(_KIND_FOR_CODE.get(exc.code, INVALID), exc.code, exc.message) from exc
        content_type = attach_rules.media_type(content_type)
        attachment_id = str(uuid.uuid4())
        digest = hashlib.sha256(data).hexdigest()
        at = now_iso()
        with self.feed.writing() as conn:
            version = conn.execute(select(s.cases.c.version).where(
                s.cases.c.case_id == case_id)).scalar_one_or_none()
            command = Command(attachment_id, CommandKind.ATTACH, case_id,
                              {"attachment_id": attachment_id, "filename": name,
                               "content_type": content_type, "size": len(data)},
                              str(user["username"]), str(user.get("workstation") or "?"), at,
                              int(version or 0))
            result = self.apply_in(conn, command, user)
            if result["outcome"] == "rejected":
                raise rule_refusal(result)
            row = {"attachment_id": attachment_id, "case_id": case_id, "filename": name,
                   "content_type": content_type, "size": len(data), "sha256": digest,
                   "uploaded_by": command.operator, "uploaded_from": command.workstation,
                   "uploaded_at": at, "data": data}
            self.feed.insert_entities(conn, "attachment", [row])
        meta = {k: v for k, v in row.items() if k != "data"}
        return {**meta, "version": result["version"]}

    def get(self, attachment_id: str) -> tuple[dict[str, Any], bytes] | None:
        """(metadata, bytes), or None for an unknown id."""
        with self.engine.connect() as conn:
            row = conn.execute(select(s.attachments).where(
                s.attachments.c.attachment_id == attachment_id)).mappings().first()
        if row is None:
            return None
        meta = {k: v for k, v in row.items() if k != "data"}
        return meta, bytes(row["data"])

    def of_case(self, case_id: str) -> list[dict[str, Any]]:
        """A case's attachments without their bytes, oldest first."""
        columns = [c for c in s.attachments.c if c.name != "data"]
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(*columns).where(
                s.attachments.c.case_id == case_id).order_by(s.attachments.c.uploaded_at)).mappings()]


__all__ = ["Attachments"]
