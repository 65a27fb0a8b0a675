"""What a case attachment may be: photos and documents, checked by content.

The client checks before it uploads, the server checks again before it
stores; both use these rules, and nothing else decides.  A file is
accepted when its declared type is one of ``ALLOWED_TYPES``, its first
``HEAD_BYTES`` say the same, its size is within ``MAX_BYTES`` and its name
is a plain file name.  The name and type kept are ``clean_filename`` and
``media_type`` of what was declared.
"""

from __future__ import annotations

import unicodedata

from core.problems import ProblemError

MAX_BYTES = 10 * 1024 * 1024
NAME_MAX = 200
HEAD_BYTES = 16  # what ``sniff`` needs of a file's start
ALLOWED_TYPES = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
}


class AttachmentError(ValueError):
    """A file that may not be attached; ``code`` says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def sniff(head: bytes) -> str | None:
    """The content type the first bytes of a file announce, if allowed."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def type_for_name(filename: str) -> str | None:
    lower = filename.lower()
    for content_type, suffixes in ALLOWED_TYPES.items():
        if lower.endswith(suffixes):
            return content_type
    return None


def clean_filename(filename: str) -> str:
    """The name to keep: no folders, no control characters, not empty."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name in (".", ".."):
        raise AttachmentError("bad_filename", "the file needs a name")
    if len(name) > NAME_MAX:
        raise AttachmentError("bad_filename", f"the file name is longer than {NAME_MAX} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise AttachmentError("bad_filename", "the file name contains control characters")
    return name


def media_type(content_type: str) -> str:
    """The media type of a Content-Type header, without parameters:
    ``Image/PNG; charset=x`` is ``image/png``."""
    return content_type.split(";", 1)[0].strip().lower()


def check(filename: str, content_type: str, size: int, head: bytes) -> str:
    """Raise AttachmentError unless the file may be attached; returns the clean name."""
    name = clean_filename(filename)
    content_type = media_type(content_type)
    if content_type not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise AttachmentError("unsupported_type", f"{content_type or 'no type'} is not one of {allowed}")
    if size <= 0:
        raise AttachmentError("empty", "the file is empty")
    if size > MAX_BYTES:
        raise AttachmentError("too_large", f"the file is {size} bytes; at most {MAX_BYTES} are allowed")
    found = sniff(head)
    if found != content_type:
        raise AttachmentError("type_mismatch", f"the file says {content_type} but its content is "
                              f"{found or 'not a known type'}")
    return name


class TransferError(ProblemError):
    """An upload or download failed; ``code`` says why (for the operator)."""

    def __init__(self, code: str, message: str):
        super().__init__(code, message)
        self.message = message
