"""Render docs/screenshots/geofence-dialog.png: the geofence dialog over the
main window, signed in as the shift leader, in Chinese.

    python -m server.demo resources/districts/110101.geojson --db sqlite:////tmp/shots/server.db
    python -m server --db sqlite:////tmp/shots/server.db --api-port 18931 --jt808-port 18932 &
    QT_QPA_PLATFORM=offscreen python docs/screenshots/make_geofence_dialog.py http://127.0.0.1:18931 /tmp/shots

A box drawn over a few streets' worth of cells (the yellow dashes on the
map), the dialog set up as a forbidden area for muck trucks.  Offscreen, a
dialog is a window of its own, so the picture is the main window with the
dialog painted over it where a window manager would centre it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from doc_client import ROOT, open_doc_client

TITLE_PX = 28


def main(server: str, work: Path) -> None:
    from PySide6.QtCore import QPoint, QRect, Qt
    from PySide6.QtGui import QColor, QPainter

    from app.services.desk import CaseDesk
    from app.session import ClientServices
    from app.views.main_window import MainWindow

    app, store, user = open_doc_client(server, work, "leader", "geofence-client.db")
    window = MainWindow(ClientServices.offline(CaseDesk(store, "WS-DOC", user)))
    window.show()
    for _ in range(10):
        app.processEvents()

    # Zoom to the middle of the district and draw a box over a few blocks.
    r = window.map.view_rect()
    cx, cy = r.center().x(), r.center().y()
    window.map.set_view(cx, cy, 2400.0)
    for _ in range(10):
        app.processEvents()
    features = window.vehicle_features
    dialog = features.geofence_from_area(window.map.select_box(cx - 1050, cy - 420, cx - 560, cy - 90))
    assert dialog is not None
    dialog.name_edit.setText("东四北大街工地 渣土车禁入")
    for _ in range(20):
        app.processEvents()

    shot = window.grab()
    painter = QPainter(shot)
    try:
        face = dialog.grab()
        top_left = window.map.mapTo(window, QPoint(0, 0))
        x = top_left.x() + window.map.width() - face.width() - 24
        y = top_left.y() + 24 + TITLE_PX
        # What a window manager would add: a title bar and a frame.
        painter.fillRect(QRect(x - 1, y - TITLE_PX, face.width() + 2, face.height() + TITLE_PX + 1),
                         QColor("#3b4654"))
        painter.setPen(QColor("#f1f5f9"))
        painter.drawText(QRect(x + 10, y - TITLE_PX, face.width() - 20, TITLE_PX),
                         int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         dialog.windowTitle())
        painter.drawPixmap(x, y, face)
    finally:
        painter.end()
    out = ROOT / "docs" / "screenshots" / "geofence-dialog.png"
    shot.save(str(out))
    print(out)
    dialog.reject()
    window.close()
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
