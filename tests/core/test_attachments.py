"""Attachment rules (core/attachments.py): the one check the workstation
makes before it uploads and the server makes before it stores."""

from __future__ import annotations

import pytest

from core.attachments import (
    ALLOWED_TYPES,
    HEAD_BYTES,
    MAX_BYTES,
    NAME_MAX,
    AttachmentError,
    check,
    clean_filename,
    media_type,
    sniff,
    type_for_name,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 8
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 12
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 "
PDF = b"%PDF-1.7\n" + b"\0" * 7


@pytest.mark.parametrize("head, expected", [
    (PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp"), (PDF, "application/pdf"),
    (b"GIF89a" + b"\0" * 10, None), (b"", None), (b"RIFF\0\0\0\0WAVE", None),
])
def test_sniff_reads_the_first_bytes(head, expected):
    assert sniff(head) == expected


def test_the_head_is_enough_to_sniff_every_allowed_type():
    for head in (PNG, JPEG, WEBP, PDF):
        assert len(head) <= HEAD_BYTES
        assert sniff(head[:HEAD_BYTES]) in ALLOWED_TYPES


def test_type_for_name_by_suffix():
    assert type_for_name("Photo.JPG") == "image/jpeg"
    assert type_for_name("a.jpeg") == "image/jpeg"
    assert type_for_name("scan.pdf") == "application/pdf"
    assert type_for_name("notes.txt") is None
    assert type_for_name("pdf") is None


def test_media_type_drops_parameters_and_case():
    assert media_type("Image/PNG; charset=binary") == "image/png"
    assert media_type("  application/pdf ") == "application/pdf"
    assert media_type("") == ""


def test_clean_filename_keeps_only_the_name():
    assert clean_filename("C:\\Users\\张三\\现场.jpg") == "现场.jpg"
    assert clean_filename("../../etc/x.png") == "x.png"
    assert clean_filename(" photo.png ") == "photo.png"


@pytest.mark.parametrize("name", ["", "   ", "dir/", ".", "..", "a/..", "bad\x00.png", "tab\t.png",
                                  "x" * (NAME_MAX + 1) + ".png"])
def test_clean_filename_refuses(name):
    with pytest.raises(AttachmentError) as info:
        clean_filename(name)
    assert info.value.code == "bad_filename"


def test_check_accepts_an_allowed_file_and_returns_its_clean_name():
    assert check("/tmp/现场 1.png", "image/png; q=1", 100, PNG) == "现场 1.png"
    assert check("a.pdf", "application/pdf", MAX_BYTES, PDF) == "a.pdf"


@pytest.mark.parametrize("args, code", [
    (("a.gif", "image/gif", 10, b"GIF89a"), "unsupported_type"),
    (("a.png", "", 10, PNG), "unsupported_type"),
    (("a.png", "image/png", 0, PNG), "empty"),
    (("a.png", "image/png", MAX_BYTES + 1, PNG), "too_large"),
    (("a.png", "image/png", 10, JPEG), "type_mismatch"),
    (("a.png", "image/png", 10, b"not an image"), "type_mismatch"),
    (("", "image/png", 10, PNG), "bad_filename"),
])
def test_check_refuses_with_a_code(args, code):
    with pytest.raises(AttachmentError) as info:
        check(*args)
    assert info.value.code == code
    assert info.value.message == str(info.value)


def test_the_name_is_checked_before_the_content():
    # A bad name and a bad type: the name is what the person fixes first.
    with pytest.raises(AttachmentError) as info:
        check("..", "image/gif", 0, b"")
    assert info.value.code == "bad_filename"
