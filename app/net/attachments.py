"""Attachment transfers: upload a file to a case, download one by id.

Threading: blocking; used from the attachment worker's thread
(app/services/attachments.py), never from the UI thread.  Its calls go
through the session's ``ServerClient`` (app/net/client.py): the token, the
one re-sign-in after a 401, the upload timeouts, and that thread's own HTTP
session.  A download is streamed, bounded by the size limit, and checked
against its SHA-256 before it is moved into the cache, so a cut or corrupt
transfer leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import requests

from app.net.client import AuthError, NetworkError, ServerClient
from core import attachments as rules
from core.attachments import TransferError

# The server read the request and refused it; its reply says why.
REFUSALS = (400, 403, 404, 409, 413, 415, 422)


class AttachmentTransport:  # app/services/attachments.py Transport, over HTTP
    def __init__(self, client: ServerClient):
        self.client = client

    def close(self) -> None:
        """Nothing of its own to close: the session's client owns the connections."""

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if not self.client.can_sign_in:
            raise TransferError("signed_out", "not signed in to the server")
        try:
            return self.client.request(method, path, accept=REFUSALS,
                                       read_s=self.client.timeouts.upload_read_s, **kwargs)
        except NetworkError as exc:
            raise TransferError("unreachable", f"the server cannot be reached: {exc}") from exc
        except AuthError as exc:
            raise TransferError("signed_out", str(exc)) from exc

    def upload(self, case_id: str, path: Path, content_type: str | None = None) -> dict[str, Any]:
        """Send ``path`` as an attachment of ``case_id``; checked here first by
        the same rules the server applies.  Returns the server's row."""
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                head = handle.read(rules.HEAD_BYTES)
        except OSError as exc:
            raise TransferError("unreadable", f"cannot read {path}: {exc}") from exc
        content_type = content_type or rules.type_for_name(path.name) or rules.sniff(head) or ""
        try:
            rules.check(path.name, content_type, size, head)
        except rules.AttachmentError as exc:
            raise TransferError(exc.code, exc.message) from exc
        data = path.read_bytes()
        reply = self._request("POST", f"/api/cases/{case_id}/attachments", params={"filename": path.name},
                              data=data, headers={"Content-Type": content_type})
        if reply.status_code != 201:
            raise _refusal(reply)
        try:
            body = reply.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "attachment_id" not in body:
            raise TransferError("protocol", "the server's answer lacks the attachment")
        return body

    def download(self, attachment_id: str, sha256: str, dest: Path) -> Path:
        """Fetch an attachment into ``dest`` (written whole, or not at all)."""
        reply = self._request("GET", f"/api/attachments/{attachment_id}", stream=True)
        with reply:
            if reply.status_code != 200:
                raise _refusal(reply)
            dest.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            size = 0
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".part-")
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in reply.iter_content(chunk_size=None):
                        size += len(chunk)
                        if size > rules.MAX_BYTES:
                            raise TransferError("too_large", "the attachment is larger than allowed")
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != sha256:
                    raise TransferError("corrupt", "the attachment arrived damaged (checksum differs)")
                os.replace(tmp, dest)
            except (requests.RequestException, OSError) as exc:
                raise TransferError("unreachable", f"the download was cut: {exc}") from exc
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        return dest


def _refusal(reply: requests.Response) -> TransferError:
    try:
        body = reply.json()
    except ValueError:
        body = {}
    reason = body.get("reason") if isinstance(body, dict) else None
    if isinstance(reason, dict) and reason.get("code"):
        return TransferError(str(reason["code"]), str(reason.get("message", "")))
    detail = body.get("detail") if isinstance(body, dict) else None
    code = {401: "signed_out", 403: "role_forbidden", 404: "not_found", 413: "too_large",
            415: "unsupported_type"}.get(reply.status_code, "http_error")
    return TransferError(code, f"HTTP {reply.status_code}: {detail or reply.text[:200]}")
