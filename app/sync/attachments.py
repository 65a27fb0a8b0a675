"""Attachment transfers: upload a file to a case, download one by id.

Threading: blocking; used from the attachment worker's thread
(app/attachments.py), never from the UI thread.  It has its own HTTP
session and borrows the signed-in session's token.  Every request has a
timeout; a download is streamed, bounded by the size limit, and checked
against its SHA-256 before it is moved into the cache, so a cut or corrupt
transfer leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from core import attachments as rules

CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 60.0


class TransferError(Exception):
    """An upload or download failed; ``code`` says why (for the operator)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class AttachmentTransport:
    def __init__(self, server_url: str, token: Callable[[], str | None]):
        self.server_url = server_url.rstrip("/")
        self._token = token
        self._http = requests.Session()

    def close(self) -> None:
        self._http.close()

    def _headers(self) -> dict[str, str]:
        token = self._token()
        if not token:
            raise TransferError("signed_out", "not signed in to the server")
        return {"Authorization": f"Bearer {token}"}

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
        try:
            reply = self._http.post(f"{self.server_url}/api/cases/{case_id}/attachments",
                                    params={"filename": path.name}, data=data,
                                    headers={**self._headers(), "Content-Type": content_type},
                                    timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise TransferError("unreachable", f"the server cannot be reached: {type(exc).__name__}") from exc
        if reply.status_code != 201:
            raise _refusal(reply)
        body = reply.json()
        if not isinstance(body, dict) or "attachment_id" not in body:
            raise TransferError("protocol", "the server's answer lacks the attachment")
        return body

    def download(self, attachment_id: str, sha256: str, dest: Path) -> Path:
        """Fetch an attachment into ``dest`` (written whole, or not at all)."""
        try:
            reply = self._http.get(f"{self.server_url}/api/attachments/{attachment_id}",
                                   headers=self._headers(), stream=True,
                                   timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise TransferError("unreachable", f"the server cannot be reached: {type(exc).__name__}") from exc
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
