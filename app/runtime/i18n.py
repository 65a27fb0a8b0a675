"""Language and fonts.

Chinese is the default: source strings are English, and the zh_CN
translation ships compiled in resources/translations.  A CJK font ships in
resources/fonts and is loaded at start, because a fresh machine may have no
CJK font at all (Chinese would render as boxes).

Threading: call from the UI thread before any window is built.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

from core.resources import resource

CJK_FONT_FILE = resource("fonts", "DroidSansFallbackFull.ttf")
TRANSLATIONS = resource("translations")
DEFAULT_LANGUAGE = "zh_CN"

_translators: list[QTranslator] = []


def load_cjk_font(app: QGuiApplication, point_size: int = 10) -> str | None:
    """Register the shipped CJK font and make it the application font.
    Returns its family name, or None if the file is missing or unreadable."""
    font_id = QFontDatabase.addApplicationFont(str(CJK_FONT_FILE))
    if font_id < 0:
        return None
    families = QFontDatabase.applicationFontFamilies(font_id)
    if not families:
        return None
    font = QFont()
    font.setFamilies([families[0]])
    font.setPointSize(point_size)
    app.setFont(font)
    return families[0]


def install_translation(app: QCoreApplication, language: str = DEFAULT_LANGUAGE) -> bool:
    """Install the translation for ``language``; English (the source) if none."""
    for translator in _translators:
        app.removeTranslator(translator)
    _translators.clear()
    if language.startswith("en"):
        QLocale.setDefault(QLocale(QLocale.Language.English))
        return True
    translator = QTranslator(app)
    if not translator.load(f"griddesk_{language}", str(TRANSLATIONS)):
        return False
    app.installTranslator(translator)
    _translators.append(translator)
    QLocale.setDefault(QLocale(language))
    return True
