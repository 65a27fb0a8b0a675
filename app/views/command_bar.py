"""The dispatcher's command bar, and the wiring of the case loop into the
main window.

Ctrl+L or ":" puts the cursor in the bar; a line such as
``派 2026112100012 环卫`` or ``extend 2026112100012 2h needs a crane`` acts on
the case with that number (official or provisional) without the mouse.
Department names complete as they are typed; a line that cannot be done
leaves a clear error under the bar and changes nothing.

``install(window)`` adds the bar, connects the case pane's actions to the
window's refresh, gives the pane the session's attachment service, lets a click on
the map locate a reported case, and reloads the categories and calendar
when the server publishes new ones.

GUI thread only; no SQL or HTTP here (``CaseDesk`` and ``AttachmentService``
do that).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, QStringListModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.services import map_layers as mapdata
from app.services.attachments import AttachmentService
from app.services.desk import CaseDesk, LineResult
from app.store.replica import ChangeSummary
from app.views.labels import action_label, line_error_text, reason_text
from core.cases import CaseStatus, CommandRejected
from core.command_line import ACTIONS, LineError


class CommandBar(QWidget):
    """One line for one action.  ``done`` carries the ``LineResult``."""

    done = Signal(object)

    def __init__(self, desk: CaseDesk, parent: QWidget | None = None):
        super().__init__(parent)
        self.desk = desk
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(self.tr(
            "Command (Ctrl+L): dispatch 2026112100012 D-SAN · return N reason · extend N 2h reason · close N"))
        self.edit.setClearButtonEnabled(True)
        self.edit.setMinimumWidth(420)
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self.edit.setCompleter(self.completer)
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(self.tr("Command")))
        row.addWidget(self.edit, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(1)
        layout.addLayout(row)
        layout.addWidget(self.feedback)
        self.edit.textEdited.connect(self._complete)
        self.edit.returnPressed.connect(self.run)

    def focus(self, text: str = "") -> None:
        if text:
            self.edit.setText(text)
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if text:
            self.edit.end(False)
        else:
            self.edit.selectAll()

    def _complete(self, text: str) -> None:
        self.model.setStringList(self.desk.completions(text))

    def run(self) -> LineResult | None:
        """Do the typed line; on success the line is cleared, on failure it
        stays (to correct) and the error is shown."""
        popup = self.completer.popup()
        if popup is not None and popup.isVisible():
            popup.hide()
        text = self.edit.text()
        try:
            result = self.desk.run_line(text)
        except LineError as exc:
            self.show_error(line_error_text(exc.code, exc.params))
            return None
        except CommandRejected as exc:
            self.show_error(reason_text(exc.to_dict()))
            return None
        self.edit.clear()
        if result.action == "open":
            message = self.tr("Case %1").replace("%1", result.number)
        else:
            kind = ACTIONS[result.action]
            message = f"{action_label(kind.value if kind else '')} {result.number}: " + self.tr("done")
        self.feedback.setText(message)
        self.feedback.setStyleSheet("color: #2e7d32;")
        self.done.emit(result)
        return result

    def show_error(self, text: str) -> None:
        self.feedback.setText(text)
        self.feedback.setStyleSheet("color: #c62828; font-weight: bold;")


class CaseLoopWiring:
    """What ``install`` added to the window, and its hooks."""

    def __init__(self, window: Any, bar: CommandBar, attachments: AttachmentService):
        self.window = window
        self.bar = bar
        self.attachments = attachments

    def apply_summary(self, summary: ChangeSummary, _initiator: object = None) -> None:
        """Subscribed to the change bus: reference data and attachments."""
        window = self.window
        if "reference" in summary.entities and window.store.reload_reference():
            versions = ", ".join(f"{k} {v}" for k, v in sorted(window.store.reference_versions.items()))
            window.status.showMessage(
                QCoreApplication.translate("CommandBar", "Categories and calendar updated from the server: %1")
                .replace("%1", versions), 15000)
            self.warn_unknown_holidays()
        pane = window.case_pane
        if "attachment" in summary.entities and pane.case_id and not summary.touches_case(pane.case_id):
            pane.set_attachments(self.attachments)

    def warn_unknown_holidays(self, today: date | None = None) -> None:
        today = today or date.today()
        years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
        unknown = [y for y in years if not self.window.store.calendar.knows_year(y)]
        if unknown:
            self.window.status.showMessage(QCoreApplication.translate("CommandBar",
                "The official holidays of %1 are not known yet: deadlines count weekends and fixed "
                "holidays only. Update resources/calendar.json.").replace("%1", str(unknown[0])), 30000)

    def run_result(self, result: LineResult) -> None:
        # The desk has published the line's summary on the change bus already.
        self.window.select_case(result.case_id)

    def locate_here(self, lon: float, lat: float) -> bool:
        """A click on the map while a reported, not yet located case is
        selected places that case (instead of registering a new one).  When
        the case has no category yet the registration dialog asks for it,
        window-modally: the case is placed when it is accepted."""
        window, pane = self.window, self.window.case_pane
        state = pane.state
        if state is None or state.located or state.status not in (CaseStatus.REPORTED, CaseStatus.VERIFIED):
            return False
        cell_code = window.cell_at_point(lon, lat)
        if cell_code is None:
            return True
        case_id = state.case_id

        def locate(category: str) -> None:
            try:
                window.desk.locate_case(case_id, cell_code=cell_code, lon=lon, lat=lat, category=category)
            except CommandRejected as exc:  # the desk has published nothing
                pane.say(reason_text(exc.to_dict()), error=True)
                return
            window.select_case(case_id)

        if state.category:
            locate(state.category)
            return True
        dialog = window.registration_dialog(cell_code)
        dialog.address.setText(state.address)
        dialog.description.setPlainText(state.description)
        window.open_dialog(dialog, lambda: locate(dialog.values().category))
        return True

    def locate_at_centre(self, _case_id: str) -> None:
        x, y = self.window.map.view_center()
        self.locate_here(*mapdata.point_to_lonlat(x, y))


def install(window: Any) -> CaseLoopWiring:
    """Add the command bar and the case loop's hooks to the main window."""
    bar = CommandBar(window.desk, window)
    toolbar = QToolBar(QCoreApplication.translate("CommandBar", "Command bar"), window)
    toolbar.setObjectName("command_bar")
    toolbar.setMovable(False)
    toolbar.addWidget(bar)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    for key, text in (("Ctrl+L", ""), (":", ":")):
        action = QAction(QCoreApplication.translate("CommandBar", "Command bar"), window)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _checked=False, t=text: bar.focus(t))
        window.addAction(action)
    attachments = window.services.attachments  # the session's (app/session.py); it shuts it down
    wiring = CaseLoopWiring(window, bar, attachments)
    window.case_pane.set_attachments(attachments)
    window.bus.changed.connect(wiring.apply_summary)
    window.case_pane.locateRequested.connect(wiring.locate_at_centre)
    bar.done.connect(wiring.run_result)
    wiring.warn_unknown_holidays()
    return wiring
