"""The banner across the top of the main window when the centre is not in
step with the server: how long the server has been unreachable, that the
case loop goes on locally, how many commands wait, when the next try is;
or that the server refused this operator's password and their commands are
held until they sign in again.  Hidden when all is well.

GUI thread only.  It shows what the ``SyncDriver`` reports; it does no I/O.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from app.sync.driver import SyncStatus
from app.views.labels import problem_text
from core.timeutil import from_iso, now_cst

OFFLINE_STYLE = "QFrame#banner { background: #c62828; } QLabel { color: white; font-weight: bold; }"
WARNING_STYLE = "QFrame#banner { background: #b26a00; } QLabel { color: white; font-weight: bold; }"


def duration_text(seconds: float) -> str:
    """"45 s", "12 min", "3 h 05 min", "2 d 4 h", in the operator's language."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return QCoreApplication.translate("OfflineBanner", "%1 s").replace("%1", str(seconds))
    minutes = seconds // 60
    if minutes < 60:
        return QCoreApplication.translate("OfflineBanner", "%1 min").replace("%1", str(minutes))
    hours = minutes // 60
    if hours < 48:
        return QCoreApplication.translate("OfflineBanner", "%1 h %2 min").replace(
            "%1", str(hours)).replace("%2", f"{minutes % 60:02d}")
    return QCoreApplication.translate("OfflineBanner", "%1 d %2 h").replace(
        "%1", str(hours // 24)).replace("%2", str(hours % 24))


class OfflineBanner(QFrame):
    retryRequested = Signal()
    signInRequested = Signal()
    visibilityWanted = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        self.headline = QLabel()
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.retry_button = QPushButton(self.tr("Retry now"))
        self.retry_button.clicked.connect(self.retryRequested)
        self.sign_in_button = QPushButton(self.tr("Sign in again…"))
        self.sign_in_button.clicked.connect(self.signInRequested)
        layout.addWidget(self.headline)
        layout.addWidget(self.detail, 1)
        layout.addWidget(self.retry_button)
        layout.addWidget(self.sign_in_button)
        self._status: SyncStatus | None = None
        self._waiting = 0
        self._retry_in: float | None = None
        self._sign_in_error: str | None = None

    def set_sign_in_error(self, error: str | None) -> None:
        """Why the last "sign in again" failed (None: it did not)."""
        self._sign_in_error = error
        self.refresh_clock()

    @property
    def active(self) -> bool:
        """Whether the banner has something to say (independent of the window being shown)."""
        status = self._status
        return status is not None and (not status.online or status.auth_failed or bool(status.error))

    def show_status(self, status: SyncStatus | None, waiting: int | None = None) -> None:
        self._status = status
        if waiting is not None:
            self._waiting = waiting
        self._retry_in = status.next_retry_in_s if status else None
        self.refresh_clock()

    def set_waiting(self, waiting: int) -> None:
        self._waiting = waiting
        self.refresh_clock()

    def refresh_clock(self, retry_in: float | None = None) -> None:
        """Re-render what ages: the outage's length, the countdown (once a second)."""
        if retry_in is not None:
            self._retry_in = retry_in
        status = self._status
        # The host shows or hides the banner (a widget in a tool bar must not
        # hide itself: Qt would not show it again).
        self.visibilityWanted.emit(self.active)
        if status is None or not self.active:
            return
        if status.auth_failed:
            self.setStyleSheet(WARNING_STYLE)
            self.headline.setText(self.tr("Sign in again"))
            self.detail.setText(self.tr(
                "The server refused your password (was it changed while this workstation was "
                "offline?). Your %n command(s) are kept here and go out once you sign in again.",
                "", self._waiting) + ("\n" + self.tr("Sign-in failed: %1").replace("%1", self._sign_in_error)
                                      if self._sign_in_error else ""))
            self.retry_button.setVisible(False)
            self.sign_in_button.setVisible(True)
            return
        self.sign_in_button.setVisible(False)
        if status.online:
            self.setStyleSheet(WARNING_STYLE)
            self.headline.setText(self.tr("Server error"))
            self.detail.setText(problem_text(status.error))
            self.retry_button.setVisible(True)
            return
        self.setStyleSheet(OFFLINE_STYLE)
        offline_for = (now_cst() - from_iso(status.since)).total_seconds()
        self.headline.setText(self.tr("Server unreachable for %1").replace("%1", duration_text(offline_for)))
        since = from_iso(status.since).strftime("%H:%M:%S")
        text = self.tr("Since %1. The whole case loop keeps working on this workstation; "
                       "%n command(s) wait and go out by themselves when the server is back.",
                       "", self._waiting).replace("%1", since)
        if self._retry_in is not None:
            text += " " + self.tr("Next try in %1 s.").replace("%1", str(max(0, round(self._retry_in))))
        if status.offline_user:
            text += " " + self.tr("Signed in offline: the server checks your password and commands when it is back.")
        self.detail.setText(text)
        self.retry_button.setVisible(True)
