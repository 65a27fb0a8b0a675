"""Render docs/screenshots/queue.png, evaluation.png and duty-report.png.

    python -m server.demo resources/districts/110101.geojson --db sqlite:////tmp/shots/server.db
    python -m server --db sqlite:////tmp/shots/server.db --api-port 18931 --jt808-port 18932 &
    python -m server.simulator --server http://127.0.0.1:18931 --port 18932 &
    QT_QPA_PLATFORM=offscreen python docs/screenshots/make_queue_evaluation.py http://127.0.0.1:18931 /tmp/shots

The main window with a filter active in the queue (open cases of the
sanitation centre, 垃圾 in the text), the evaluation window for this month
by department, and the first page of today's duty report (PDF, rendered
with pdftoppm when it is installed).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from doc_client import ROOT, open_doc_client


def main(server: str, work: Path) -> None:
    from PySide6.QtCore import QDate

    from app.services.desk import CaseDesk
    from app.session import ClientServices
    from app.views.evaluation_view import EvaluationWindow
    from app.views.main_window import MainWindow
    from core.timeutil import now_cst

    app, store, user = open_doc_client(server, work, "dispatcher", "client.db")
    desk = CaseDesk(store, "WS-DOC", user)
    out = ROOT / "docs" / "screenshots"

    window = MainWindow(ClientServices.offline(desk))
    window.show()
    bar = window.queue_panel.bar
    bar.department.setCurrentIndex(bar.department.findData("sanitation"))
    bar.search.setText("垃圾")
    bar.search.returnPressed.emit()
    window.select_case(window.queue_model.case_id_at(0))
    for _ in range(20):
        app.processEvents()
    window.grab().save(str(out / "queue.png"))

    evaluation = EvaluationWindow(desk, window.runner)
    evaluation.show()
    for _ in range(20):
        app.processEvents()
    evaluation.grab().save(str(out / "evaluation.png"))

    today = now_cst().date()
    evaluation.day.setDate(QDate(today.year, today.month, today.day))
    pdf = evaluation.report_to(work / "duty-report.pdf", today)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(out / "duty-report")], check=True)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
