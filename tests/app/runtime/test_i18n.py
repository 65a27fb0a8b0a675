"""Chinese first: every visible string is translated, and Chinese renders
with the shipped font even on a machine with no CJK font installed."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFont, QRawFont

from app.runtime.i18n import CJK_FONT_FILE, TRANSLATIONS, install_translation, load_cjk_font

ROOT = Path(__file__).resolve().parents[3]
TS = TRANSLATIONS / "griddesk_zh_CN.ts"


@pytest.fixture(autouse=True)
def back_to_source_language(qapp):
    yield
    install_translation(qapp, "en")


def _messages(ts: Path) -> dict[tuple[str, str], str | None]:
    out = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.find("name").text
        for message in context.iter("message"):
            translation = message.find("translation")
            text = translation.text or "".join(n.text or "" for n in translation.iter("numerusform"))
            unfinished = translation.get("type") in ("unfinished", "vanished", "obsolete")
            out[(name, message.find("source").text)] = None if unfinished or not text else text
    return out


def test_every_tr_string_in_the_code_has_a_chinese_translation(tmp_path):
    fresh = tmp_path / "fresh.ts"
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"  # the running venv's
    sources = sorted(str(p) for p in (ROOT / "app").rglob("*.py")) + [str(ROOT / "main.py")]
    subprocess.run([str(lupdate), *sources, "-ts", str(fresh)], check=True, capture_output=True)
    shipped = _messages(TS)
    missing = [key for key in _messages(fresh) if not shipped.get(key)]
    assert missing == [], f"untranslated strings: {missing}"
    assert (TRANSLATIONS / "griddesk_zh_CN.qm").stat().st_mtime >= TS.stat().st_mtime - 1


def test_translation_loads_and_english_falls_back(qapp):
    assert install_translation(qapp, "zh_CN")
    assert QCoreApplication.translate("Labels", "Dispatched") != "Dispatched"
    assert install_translation(qapp, "en")
    assert QCoreApplication.translate("Labels", "Dispatched") == "Dispatched"
    assert not install_translation(qapp, "xx_XX")


def test_shipped_font_covers_chinese(qapp):
    assert CJK_FONT_FILE.exists()
    family = load_cjk_font(qapp)
    assert family
    raw = QRawFont.fromFont(QFont(family))
    assert all(raw.supportsCharacter(ord(ch)) for ch in "网格指挥台派遣结案超期暴露垃圾东城区")
