"""Conflict cards: one per command the server rejected, saying who got there
first ("already dispatched by 张三 at 09:14 from workstation WS02"), what
this workstation had asked, and what can be done.  A card stays until a
person handles it: retry (a new command), discard with a reason, or
acknowledge; each of those is recorded in the outbox audit.

GUI thread only.  The panel shows ``LedgerEntry`` values handed to it and
emits requests; the main window's sync panels carry them out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.store.ledger import LedgerEntry
from app.views.labels import action_label, reason_text, status_label
from core.timeutil import from_iso, now_cst

CARD_STYLE = ("QFrame#conflictCard { background: #fff4f2; border: 1px solid #e0a39b; border-left: 5px solid #c62828;"
              " border-radius: 4px; }")


def moment_text(iso: str | None) -> str:
    """09:14 today, 11-20 09:14 another day."""
    if not iso:
        return "?"
    try:
        moment = from_iso(iso)
    except ValueError:
        return iso
    return moment.strftime("%H:%M") if moment.date() == now_cst().date() else moment.strftime("%m-%d %H:%M")


def conflict_sentence(entry: LedgerEntry, display_name: Callable[[str | None], str | None]) -> str:
    """What the server said, in the operator's words."""
    reason = entry.reason or {}
    params = reason.get("params") or {}
    if reason.get("code") == "wrong_status":
        return QCoreApplication.translate(
            "ConflictCard", "Already %1 by %2 at %3 from workstation %4").replace(
            "%1", status_label(str(params.get("status", ""))).lower()).replace(
            "%2", display_name(params.get("by")) or "?").replace(
            "%3", moment_text(params.get("at"))).replace("%4", str(params.get("workstation") or "?"))
    return reason_text(reason)


class ConflictCard(QFrame):
    def __init__(self, entry: LedgerEntry, display_name: Callable[[str | None], str | None],
                 department_name: Callable[[str], str], parent: QWidget | None = None):
        super().__init__(parent)
        self.command_id = entry.command_id
        self.case_id = entry.case_id
        self.setObjectName("conflictCard")
        self.setStyleSheet(CARD_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        number = entry.case_number or entry.case_id[:8]
        self.title = QLabel(self.tr("%1 of case %2 was rejected").replace("%1", action_label(entry.kind))
                            .replace("%2", number))
        self.title.setStyleSheet("font-weight: bold; color: #c62828;")
        self.sentence = QLabel(conflict_sentence(entry, display_name))
        self.sentence.setWordWrap(True)
        self.sentence.setStyleSheet("font-size: 13pt;")
        asked = action_label(entry.kind)
        if entry.payload.get("department_id"):
            asked += " → " + department_name(str(entry.payload["department_id"]))
        self.mine = QLabel(self.tr("This workstation asked: %1, at %2 by %3 on %4. The case now shows "
                                   "the server's version; nothing was lost.")
                           .replace("%1", asked).replace("%2", moment_text(entry.issued_at))
                           .replace("%3", display_name(entry.operator) or entry.operator)
                           .replace("%4", entry.workstation))
        self.mine.setWordWrap(True)
        self.mine.setStyleSheet("color: #555;")
        buttons = QHBoxLayout()
        self.show_button = QPushButton(self.tr("Show case"))
        self.retry_button = QPushButton(self.tr("Retry"))
        self.discard_button = QPushButton(self.tr("Discard…"))
        self.acknowledge_button = QPushButton(self.tr("Acknowledge"))
        for button in (self.show_button, self.retry_button, self.discard_button, self.acknowledge_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.sentence)
        layout.addWidget(self.mine)
        layout.addLayout(buttons)


class ConflictPanel(QWidget):
    """The cards, oldest first.  Emits the command id (or case id) of the card acted on."""

    showCaseRequested = Signal(str)
    retryRequested = Signal(str)
    discardRequested = Signal(str)
    acknowledgeRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.empty = QLabel(self.tr("No conflicts: every command this workstation sent was accepted or is waiting."))
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #1b7f3b; padding: 8px;")
        outer.addWidget(self.empty)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.body = QWidget()
        self.cards_layout = QVBoxLayout(self.body)
        self.cards_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.scroller.setWidget(self.body)
        outer.addWidget(self.scroller, 1)
        self.cards: list[ConflictCard] = []

    def show_conflicts(self, entries: Sequence[LedgerEntry], display_name: Callable[[str | None], str | None],
                       department_name: Callable[[str], str]) -> None:
        for card in self.cards:
            self.cards_layout.removeWidget(card)
            card.deleteLater()
        self.cards = []
        for entry in entries:
            card = ConflictCard(entry, display_name, department_name, self.body)
            card.show_button.clicked.connect(lambda _=False, c=entry.case_id: self.showCaseRequested.emit(c))
            card.retry_button.clicked.connect(lambda _=False, c=entry.command_id: self.retryRequested.emit(c))
            card.discard_button.clicked.connect(lambda _=False, c=entry.command_id: self.discardRequested.emit(c))
            card.acknowledge_button.clicked.connect(
                lambda _=False, c=entry.command_id: self.acknowledgeRequested.emit(c))
            self.cards_layout.addWidget(card)
            self.cards.append(card)
        self.empty.setVisible(not self.cards)
        self.scroller.setVisible(bool(self.cards))

    def card_for(self, command_id: str) -> ConflictCard | None:
        return next((c for c in self.cards if c.command_id == command_id), None)
