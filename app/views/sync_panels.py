"""What the main window shows about being in step with the server, and the
decisions it lets operators take: the offline banner (top), conflict cards,
the outbox ledger and the sync health panel (docks).

GUI thread only.  Reads and decisions go through the ``OutboxLedger`` on
the UI's own store (short local transactions, like queuing a command);
everything that needs the server goes through the ``SyncDriver``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QDockWidget,
    QInputDialog,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QToolBar,
)

from app.runtime.bus import ChangeBus
from app.services.desk import CaseDesk
from app.store.ledger import LedgerError, OutboxLedger
from app.store.replica import ChangeSummary
from app.sync.driver import SyncDriver, SyncStatus
from app.views.conflicts import ConflictPanel
from app.views.labels import error_text, problem_text, reason_text
from app.views.login_dialog import LoginDialog
from app.views.modal import open_modal
from app.views.offline_banner import OfflineBanner
from app.views.outbox_ledger import OutboxLedgerView
from app.views.sync_health import SyncHealthPanel
from core.cases import CommandRejected
from core.problems import Problem

HEALTH_EVERY_MS = 2000


class SyncPanels(QObject):
    def __init__(self, window: QMainWindow, desk: CaseDesk, driver: SyncDriver | None,
                 select_case: Callable[[str], None], bus: ChangeBus):
        super().__init__(window)
        self.window = window
        self.desk = desk
        self.driver = driver
        self.ledger = OutboxLedger(desk.store)
        self._select_case = select_case
        self.bus = bus
        bus.changed.connect(self.apply_summary)

        self.banner = OfflineBanner()
        self.banner_bar = QToolBar(self.tr("Connection"), window)
        self.banner_bar.setObjectName("connectionBanner")
        self.banner_bar.setMovable(False)
        self.banner_bar.setFloatable(False)
        self.banner_bar.toggleViewAction().setVisible(False)
        self.banner_bar.addWidget(self.banner)
        self.banner_bar.setStyleSheet("QToolBar { border: 0; padding: 0; spacing: 0; }")
        # A row of its own across the whole window, above any other tool bar.
        others = [bar for bar in window.findChildren(QToolBar)
                  if bar is not self.banner_bar and window.toolBarArea(bar) == Qt.ToolBarArea.TopToolBarArea]
        if others:
            window.insertToolBar(others[0], self.banner_bar)
            window.insertToolBarBreak(others[0])
        else:
            window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.banner_bar)
            window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.banner_bar.setVisible(False)
        self.banner.visibilityWanted.connect(self.banner_bar.setVisible)

        self.conflicts = ConflictPanel()
        self.conflicts_dock = self._dock(self.tr("Conflicts"), "conflicts", self.conflicts,
                                         Qt.DockWidgetArea.BottomDockWidgetArea)
        self.ledger_view = OutboxLedgerView(self.ledger)
        self.ledger_dock = self._dock(self.tr("Outbox ledger"), "outboxLedger", self.ledger_view,
                                      Qt.DockWidgetArea.BottomDockWidgetArea)
        self.health = SyncHealthPanel()
        self.health_dock = self._dock(self.tr("Sync health"), "syncHealth", self.health,
                                      Qt.DockWidgetArea.BottomDockWidgetArea)
        # Ledger and health beside the cards, not behind them: during an
        # outage the dispatcher wants both in view.
        window.splitDockWidget(self.conflicts_dock, self.ledger_dock, Qt.Orientation.Horizontal)
        window.tabifyDockWidget(self.ledger_dock, self.health_dock)
        self.ledger_dock.hide()
        self.health_dock.hide()
        # Conflict cards appear when there is one (refresh shows the dock);
        # an empty panel would only take the map's room.
        self.conflicts_dock.hide()

        self.conflicts.showCaseRequested.connect(select_case)
        self.conflicts.retryRequested.connect(self.retry)
        self.conflicts.discardRequested.connect(self.discard)
        self.conflicts.acknowledgeRequested.connect(self.acknowledge)
        self.ledger_view.retryRequested.connect(self.retry)
        self.ledger_view.discardRequested.connect(self.discard)
        self.ledger_view.showCaseRequested.connect(select_case)
        self.ledger_view.sendNowRequested.connect(self._wake)
        self.banner.retryRequested.connect(self._wake)
        self.banner.signInRequested.connect(self.sign_in_again)
        self.health.integrityRequested.connect(self._check_integrity)
        if driver is not None:
            driver.healthChanged.connect(self.health.show_facts)
            driver.integrityChecked.connect(self.health.show_integrity)
            driver.signInDone.connect(self._sign_in_done)
            self._health_timer = QTimer(self)
            self._health_timer.setInterval(HEALTH_EVERY_MS)
            self._health_timer.timeout.connect(self._poll_health)
            self._health_timer.start()
        else:
            self.health.check_button.setEnabled(False)
        self.refresh()

    def _dock(self, title: str, name: str, widget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        return dock

    # ---- refreshing -------------------------------------------------------------

    def refresh(self) -> None:
        self.refresh_conflicts()
        self.ledger_view.refresh()
        self.banner.set_waiting(self.desk.store.counts().waiting)
        self._sync_banner_bar()

    def refresh_conflicts(self) -> None:
        entries = self.ledger.open_conflicts()
        departments = {d["department_id"]: d["name"] for d in self.desk.store.departments()}
        self.conflicts.show_conflicts(entries, self.ledger.display_name,
                                      lambda dept: departments.get(dept, dept))
        if entries:
            self.conflicts_dock.show()
            self.conflicts_dock.raise_()

    def apply_summary(self, summary: ChangeSummary, _initiator: object = None) -> None:
        """Subscribed to the change bus."""
        if summary.outbox or summary.rejected or summary.accepted:
            self.refresh()
        elif summary.cases_changed:
            self.refresh_conflicts()  # case numbers on the cards

    def show_status(self, status: SyncStatus) -> None:
        self.banner.show_status(status, status.pending)
        self._sync_banner_bar()

    def tick(self) -> None:
        """Once a second: the outage's length and the retry countdown."""
        if self.banner.active:
            self.banner.refresh_clock(self.driver.seconds_to_retry() if self.driver else None)
        self._sync_banner_bar()

    def _sync_banner_bar(self) -> None:
        self.banner_bar.setVisible(self.banner.active)

    def _poll_health(self) -> None:
        if self.driver is not None and self.health_dock.isVisible():
            self.driver.request_health()

    # ---- decisions ----------------------------------------------------------------

    def _done(self, summary: ChangeSummary) -> None:
        self.bus.publish(summary, self)
        self.refresh()
        self._wake()

    def retry(self, command_id: str) -> str | None:
        try:
            new_id, summary = self.ledger.retry(
                command_id, operator=self.desk.operator, workstation=self.desk.workstation,
                role=self.desk.role, department_id=self.desk.department_id)
        except CommandRejected as exc:
            QMessageBox.warning(self.window, self.tr("Cannot retry"), reason_text(exc.to_dict()))
            return None
        except LedgerError as exc:
            QMessageBox.warning(self.window, self.tr("Cannot retry"), error_text(exc))
            return None
        self._done(summary)
        return new_id

    def discard(self, command_id: str, reason: str | None = None) -> bool:
        """Discard with a reason (asked for when not given); audited."""
        if reason is None:
            reason, ok = QInputDialog.getText(
                self.window, self.tr("Discard command"),
                self.tr("Why is this command discarded? (recorded with your name)"), QLineEdit.EchoMode.Normal)
            if not ok:
                return False
        if not reason.strip():
            QMessageBox.warning(self.window, self.tr("Cannot discard"),
                                self.tr("A reason is required: discarding is a recorded decision."))
            return False
        try:
            summary = self.ledger.discard(command_id, operator=self.desk.operator,
                                          workstation=self.desk.workstation, reason=reason)
        except LedgerError as exc:
            QMessageBox.warning(self.window, self.tr("Cannot discard"), error_text(exc))
            return False
        self._done(summary)
        return True

    def acknowledge(self, command_id: str) -> bool:
        try:
            summary = self.ledger.acknowledge(command_id, operator=self.desk.operator,
                                              workstation=self.desk.workstation)
        except LedgerError as exc:
            QMessageBox.warning(self.window, self.tr("Cannot acknowledge"), error_text(exc))
            return False
        self._done(summary)
        return True

    def _wake(self) -> None:
        if self.driver is not None:
            self.driver.wake()

    def _check_integrity(self) -> None:
        if self.driver is not None:
            self.driver.request_integrity_check()

    def sign_in_again(self) -> LoginDialog | None:
        """Ask for the password again (window-modally); None without a driver."""
        if self.driver is None:
            return None
        dialog = LoginDialog(self.desk.workstation, self.tr("The server refused your password."), self.window,
                             username=self.desk.operator, lock_username=True)
        driver = self.driver
        # Window-modal, continued in ``accepted``: no event loop of its own
        # re-entering the qasync loop (the sync driver's coroutine runs there).
        return open_modal(dialog, lambda: driver.request_sign_in(dialog.password.text()))

    def _sign_in_done(self, error: object) -> None:
        # Said in the banner, not in a modal box: the desk keeps working meanwhile.
        self.banner.set_sign_in_error(problem_text(error) if isinstance(error, Problem) else None)
