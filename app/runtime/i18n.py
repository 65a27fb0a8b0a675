"""Language and fonts.

Chinese is the default: source strings are English, and the zh_CN
translation ships compiled in resources/translations, together with Qt's own
qtbase translation (qtbase_zh_CN.qm, from the PySide6 wheel; licence in
LICENSE-qtbase-translations.txt beside it): without it the strings Qt itself
draws (OK/Cancel in every dialog button box, message boxes, input and file
dialogs) stay English.  A CJK font ships in
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
    """Install the translation for ``language`` (griddesk's and Qt's own
    qtbase one); English (the source, Qt's too) for ``en*``: both removed."""
    for translator in _translators:
        app.removeTranslator(translator)
    _translators.clear()
    if language.startswith("en"):
        QLocale.setDefault(QLocale(QLocale.Language.English))
        return True
    translator = QTranslator(app)
    if not translator.load(f"griddesk_{language}", str(TRANSLATIONS)):
        return False
    # Qt's own strings (standard buttons, QFileDialog, ...); a language Qt
    # ships no catalogue for leaves just those English.  Installed first, so
    # griddesk's (searched first: the last installed wins) has the last word.
    qt_translator = QTranslator(app)
    if qt_translator.load(f"qtbase_{language}", str(TRANSLATIONS)):
        app.installTranslator(qt_translator)
        _translators.append(qt_translator)
    app.installTranslator(translator)
    _translators.append(translator)
    QLocale.setDefault(QLocale(language))
    return True
