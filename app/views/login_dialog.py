"""Sign-in dialog.  GUI thread only.

During an outage the dialog says so, and names the operators who signed in
on this workstation before: they can unlock it with their usual password
(checked against a verifier kept from their last online sign-in); the
server checks the password, and every command, again when it is back.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget


class LoginDialog(QDialog):
    def __init__(self, workstation: str, message: str = "", parent: QWidget | None = None, *,
                 server_reachable: bool | None = None, known_operators: list[dict[str, Any]] | None = None,
                 username: str = "", lock_username: bool = False):
        super().__init__(parent)
        self.setWindowTitle(self.tr("GridDesk — sign in"))
        self.username = QLineEdit(username)
        self.username.setReadOnly(lock_username)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout(self)
        if message:
            note = QLabel(message)
            note.setWordWrap(True)
            note.setStyleSheet("color: #c62828;")
            form.addRow(note)
        self.server_note = QLabel()
        self.server_note.setWordWrap(True)
        self.server_note.setVisible(server_reachable is not None)
        if server_reachable is False:
            names = ", ".join(f"{u.get('display_name') or u.get('username')} ({u.get('username')})"
                              for u in (known_operators or []))
            text = self.tr("The server cannot be reached. An operator who signed in on this "
                           "workstation before can unlock it offline; the server checks the "
                           "password and every command when it is back.")
            if names:
                text += "\n" + self.tr("Can unlock offline: %1").replace("%1", names)
            else:
                text += "\n" + self.tr("Nobody has signed in on this workstation yet: the first "
                                       "sign-in needs the server.")
            self.server_note.setText(text)
            self.server_note.setStyleSheet("color: white; background: #c62828; padding: 6px;")
        elif server_reachable:
            self.server_note.setText(self.tr("Server reachable"))
            self.server_note.setStyleSheet("color: #1b7f3b;")
        form.addRow(self.server_note)
        form.addRow(self.tr("Workstation"), QLabel(workstation))
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Password"), self.password)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("Unlock offline") if server_reachable is False else self.tr("Sign in"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Quit"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        (self.password if username else self.username).setFocus()
