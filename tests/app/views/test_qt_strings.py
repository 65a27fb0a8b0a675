"""The strings Qt itself draws are Chinese too.

OK/Cancel in a button box, a message box's standard buttons, the buttons
of the input dialog behind ``QInputDialog.getText`` (the find-case and
acknowledge dialogs) and of Qt's own file dialog come from Qt's qtbase
catalogue, not from griddesk's: ``install_translation`` installs both, and
takes both away for English.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QInputDialog, QMessageBox

from app.runtime.i18n import install_translation

Button = QDialogButtonBox.StandardButton


@pytest.fixture
def chinese(qapp):
    assert install_translation(qapp, "zh_CN")
    yield
    install_translation(qapp, "en")


def _texts(box: QDialogButtonBox) -> set[str]:
    return {button.text() for button in box.buttons()}


def test_a_button_box_says_ok_and_cancel_in_chinese(chinese, qtbot):
    box = QDialogButtonBox(Button.Ok | Button.Cancel)
    qtbot.addWidget(box)
    assert box.button(Button.Ok).text() == "确定"
    assert box.button(Button.Cancel).text() == "取消"


def test_a_message_box_has_chinese_standard_buttons(chinese, qtbot):
    box = QMessageBox(QMessageBox.Icon.Information, "离线", "无法连接服务器",
                      QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QMessageBox.StandardButton.Ok).text() == "确定"
    assert box.button(QMessageBox.StandardButton.Cancel).text() == "取消"


def test_the_input_dialog_behind_get_text_has_chinese_buttons(chinese, qtbot):
    # What QInputDialog.getText builds, shown without exec (no event loop of its own).
    dialog = QInputDialog()
    qtbot.addWidget(dialog)
    dialog.setInputMode(QInputDialog.InputMode.TextInput)
    dialog.setLabelText("案卷编号：")
    dialog.show()
    try:
        box = dialog.findChild(QDialogButtonBox)
        assert box is not None
        assert _texts(box) == {"确定", "取消"}
    finally:
        dialog.close()


@pytest.mark.parametrize(("mode", "accept"), [(QFileDialog.AcceptMode.AcceptOpen, "打开(&O)"),
                                              (QFileDialog.AcceptMode.AcceptSave, "保存(&S)")])
def test_qts_own_file_dialog_has_chinese_buttons(chinese, qtbot, mode, accept):
    dialog = QFileDialog()
    qtbot.addWidget(dialog)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(mode)
    dialog.show()
    try:
        box = dialog.findChild(QDialogButtonBox)
        assert box is not None
        assert _texts(box) == {accept, "取消"}
    finally:
        dialog.close()


def test_english_takes_qts_catalogue_away_too(qapp, qtbot):
    assert install_translation(qapp, "zh_CN")
    assert install_translation(qapp, "en")
    box = QDialogButtonBox(Button.Ok | Button.Cancel)
    qtbot.addWidget(box)
    assert "确定" not in _texts(box) and "取消" not in _texts(box)
