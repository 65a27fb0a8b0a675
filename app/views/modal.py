"""Dialogs without nested event loops.

``QDialog.exec()`` (and the static ``QMessageBox``/``QInputDialog``
helpers) runs an event loop of its own until the dialog closes.  Called
from inside a coroutine on the qasync loop, that loop re-enters qasync and
fails ("Cannot enter into task ... while another task is being executed");
called from a slot it still lets every other coroutine run underneath the
caller.  So in-window dialogs are opened window-modally with ``open()``,
which returns at once, and the work continues in the ``accepted`` signal.

Threading: GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

D = TypeVar("D", bound=QDialog)


def open_modal(dialog: D, on_accepted: Callable[[], None]) -> D:
    """Show ``dialog`` window-modally; ``on_accepted()`` runs if it is
    accepted.  The dialog deletes itself once closed."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(on_accepted)
    dialog.open()
    return dialog


__all__ = ["open_modal"]
