"""What the screenshot scripts share: an offscreen Qt application in Chinese
with the bundled CJK font, and a workstation store synced from a running
demo server, signed in as ``username``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def open_doc_client(server: str, work: Path, username: str, store_name: str) -> tuple[Any, Any, dict]:
    """(QApplication, LocalStore, user) for a workstation "WS-DOC" caught up with ``server``."""
    from PySide6.QtWidgets import QApplication

    from app.runtime.i18n import install_translation, load_cjk_font
    from app.store.replica import LocalStore
    from app.sync.engine import SyncEngine

    app = QApplication([])
    load_cjk_font(app)
    install_translation(app, "zh_CN")
    work.mkdir(parents=True, exist_ok=True)
    store_path = work / store_name
    engine = SyncEngine(store_path, server, "WS-DOC")
    user = engine.login(username, "demo")
    for _ in range(50):
        if not engine.sync_once().pulled:
            break
    engine.close()
    return app, LocalStore(store_path), user
