"""Register a case at a point on the map.  GUI thread only."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from app.services.desk import RegistrationInput
from app.views.labels import source_label
from core.cases import CaseSource
from core.categories import CategoryKind, CategoryTree


class RegisterDialog(QDialog):
    def __init__(self, categories: CategoryTree, cell_code: str, street_name: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Register case"))
        self.category = QComboBox()
        for kind, kind_name in ((CategoryKind.EVENT, self.tr("Event")),
                                (CategoryKind.COMPONENT, self.tr("Component"))):
            for cat in sorted(categories.by_kind(kind), key=lambda c: c.code):
                cls = categories.classes[cat.class_key]
                self.category.addItem(f"{kind_name} · {cls.name} · {cat.name} ({cat.code})", cat.key)
        self.source = QComboBox()
        for source in (CaseSource.DISPATCHER, CaseSource.HOTLINE, CaseSource.SUPERVISOR,
                       CaseSource.PUBLIC, CaseSource.VIDEO, CaseSource.LEADER, CaseSource.MEDIA):
            self.source.addItem(source_label(source.value), source.value)
        self.address = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText(self.tr("What is wrong, where exactly"))
        form = QFormLayout(self)
        form.addRow(self.tr("Cell"), QLabel(f"{cell_code}  {street_name}"))
        form.addRow(self.tr("Category"), self.category)
        form.addRow(self.tr("Source"), self.source)
        form.addRow(self.tr("Address"), self.address)
        form.addRow(self.tr("Description"), self.description)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Register"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(520, 320)

    def values(self) -> RegistrationInput:
        return RegistrationInput(category=str(self.category.currentData()),
                                 source=CaseSource(self.source.currentData()),
                                 address=self.address.text().strip(),
                                 description=self.description.toPlainText().strip())
