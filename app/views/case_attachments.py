"""The case pane's attachments: a case's photos and documents, a preview, upload and fetch.

``CaseAttachments`` lists the files of the case it is shown (what is only on
the server says so), previews a cached picture, fetches a file from the
cache or the server and opens it, and sends a new one.  Transfers run in
``AttachmentService`` (app/services/attachments.py), which calls back on
the GUI thread; outcomes go to the pane's message line through ``say``.
Its strings keep the "CasePane" translation context they had inside the pane.

Threading: GUI thread only; it never waits on the network.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from app.runtime.background import Background
from app.services.attachments import AttachmentService
from app.views.case_times import short_time
from app.views.labels import transfer_error_text
from core.problems import problem_of

__all__ = ["CaseAttachments"]


class CaseAttachments(QWidget):
    """The Attachments tab.

    ``countChanged(n)`` after the list was filled for a case (the pane puts
    it in the tab's title); ``attachRequested()`` when the "Attach file…"
    button is pressed (the pane decides whether attaching is allowed now).
    """

    countChanged = Signal(int)
    attachRequested = Signal()

    def __init__(self, user_name: Callable[[str], str], say: Callable[[str, bool], None],
                 runner: Background, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner  # transfers run on its "attachments" lane
        self.service: AttachmentService | None = None
        self.case_id: str | None = None
        self._user_name = user_name
        self._say = say
        self._rows: list[dict[str, Any]] = []

        self.attachment_list = QListWidget()
        self.attachment_list.itemActivated.connect(lambda _item: self.open_selected())
        self.attachment_list.currentRowChanged.connect(lambda _row: self._preview_cached())
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(120)
        add_file = QPushButton(QCoreApplication.translate("CasePane", "Attach file… (Ctrl+Shift+A)"))
        add_file.clicked.connect(self.attachRequested)
        open_file = QPushButton(QCoreApplication.translate("CasePane", "Open"))
        open_file.clicked.connect(self.open_selected)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.attachment_list, 0, 0, 1, 2)
        layout.addWidget(self.preview, 0, 2)
        layout.addWidget(add_file, 1, 0)
        layout.addWidget(open_file, 1, 1)
        layout.setColumnStretch(2, 1)

    def set_service(self, service: AttachmentService | None) -> None:
        self.service = service
        self.refresh()

    def show_case(self, case_id: str | None) -> None:
        self.case_id = case_id
        self.refresh()

    def refresh(self) -> None:
        """List the shown case's files again (after a fetch, the cache changed)."""
        self.attachment_list.clear()
        self.preview.clear()
        self._rows = []
        if self.service is None or self.case_id is None:
            return
        self._rows = self.service.for_case(self.case_id)
        for meta in self._rows:
            size = int(meta["size"])
            size_text = f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"
            cached = self.service.cached(meta) is not None
            text = (f"{meta['filename']}  ·  {size_text}  ·  {self._user_name(meta['uploaded_by'])}  ·  "
                    f"{short_time(meta['uploaded_at'])}")
            if not cached:
                text += "  " + QCoreApplication.translate("CasePane", "(on the server)")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, meta["attachment_id"])
            self.attachment_list.addItem(item)
        self.countChanged.emit(len(self._rows))
        if self._rows and self.attachment_list.currentRow() < 0:
            self.attachment_list.setCurrentRow(0)

    def _selected(self) -> dict[str, Any] | None:
        row = self.attachment_list.currentRow()
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def _preview_cached(self) -> None:
        meta = self._selected()
        path = self.service.cached(meta) if (self.service and meta) else None
        self._show_preview(meta, path)

    def _show_preview(self, meta: dict[str, Any] | None, path: Path | None) -> None:
        if meta is None or path is None or not str(meta["content_type"]).startswith("image/"):
            self.preview.clear()
            return
        pixmap = QPixmap(str(path))
        if pixmap.isNull():
            self.preview.setText(QCoreApplication.translate("CasePane", "Cannot show this picture"))
            return
        self.preview.setPixmap(pixmap.scaled(260, 180, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))

    def open_selected(self) -> None:
        """Fetch the selected file (from the cache, else the server) and show it."""
        meta = self._selected()
        if meta is None or self.service is None:
            return
        case_id, service = self.case_id, self.service
        self._say(QCoreApplication.translate("CasePane", "Fetching %1…").replace("%1", str(meta["filename"])),
                  False)

        def done(path: Path) -> None:
            if self.case_id != case_id:
                return
            self._say(QCoreApplication.translate("CasePane", "%1 is here").replace("%1", str(meta["filename"])),
                      False)
            self.refresh()
            if str(meta["content_type"]).startswith("image/"):
                self._show_preview(meta, path)
            else:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

        cached = service.cached(meta)
        if cached is not None:
            done(cached)
            return
        self.runner.query(lambda: service.fetch_blocking(meta), done, lane="attachments", store=False,
                          title=QCoreApplication.translate("CasePane", "Fetching an attachment"),
                          on_failure=self._transfer_failed, owner=self)

    def choose(self, parent: QWidget | None = None) -> None:
        """Ask for a file (the dialog over ``parent``) and send it; the caller
        checked that attaching is allowed now."""
        if self.case_id is None:
            return
        path, _filter = QFileDialog.getOpenFileName(
            parent or self, QCoreApplication.translate("CasePane", "Attach a photo or document"), "",
            QCoreApplication.translate("CasePane", "Photos and documents (*.jpg *.jpeg *.png *.webp *.pdf)"))
        if path:
            self.attach(Path(path))

    def attach(self, path: Path) -> None:
        """Send ``path`` to the server as an attachment of the shown case."""
        if self.case_id is None or self.service is None:
            return
        self._say(QCoreApplication.translate("CasePane", "Sending %1…").replace("%1", path.name), False)

        def done(meta: dict[str, Any]) -> None:
            self._say(QCoreApplication.translate("CasePane", "%1 attached")
                      .replace("%1", str(meta.get("filename", path.name))), False)

        service, case_id = self.service, self.case_id
        # Said in the pane (its one failure path): the operator is looking there.
        self.runner.query(lambda: service.upload_blocking(case_id, path), done, lane="attachments", store=False,
                          title=QCoreApplication.translate("CasePane", "Sending an attachment"),
                          on_failure=self._transfer_failed, owner=self)

    def _transfer_failed(self, exc: BaseException) -> None:
        # By code: a transfer's own words, else the general table (never the English text).
        problem = problem_of(exc)
        self._say(transfer_error_text(problem.code, problem.message), True)
