"""The status bar says what the sync loop knows: online or not, and that the
queue's indexes are still being built after a first download."""

from __future__ import annotations

from app.sync.driver import SyncStatus
from app.views.status import CentreStatusBar
from core.timeutil import now_iso


def test_status_bar_says_while_the_indexes_are_built(qtbot):
    bar = CentreStatusBar()
    qtbot.addWidget(bar)
    status = SyncStatus(True, now_iso(), now_iso(), None, True, indexing=True)
    bar.show_status(status)
    assert "indexes" in bar.last_sync.text()
    bar.show_status(SyncStatus(True, now_iso(), now_iso(), None, True))
    assert "indexes" not in bar.last_sync.text() and bar.last_sync.text().startswith("Last sync")


def test_a_server_error_is_shown_by_its_code_in_chinese_and_never_in_english(qtbot, qapp):
    from app.runtime.i18n import install_translation
    from app.views.labels import problem_text
    from core.problems import Problem

    bar = CentreStatusBar()
    qtbot.addWidget(bar)
    problem = Problem("bad_reply", "GET /api/changes: change page lacks changes or last_seq",
                      {"request": "GET /api/changes"})
    install_translation(qapp, "zh_CN")
    try:
        bar.show_status(SyncStatus(True, now_iso(), now_iso(), problem, True))
        text = bar.connection.text()
        assert "GET /api/changes" in text and "不符合" in text
        assert "lacks" not in text  # the English message is for the log only
        assert problem_text(Problem("unreachable", "server unreachable: ConnectTimeout")) == "无法连接服务器"
        assert "dispatcher" in problem_text(Problem("sign_in_refused", "", {"user": "dispatcher"}))
    finally:
        install_translation(qapp, "en")
    assert problem_text(Problem("timeout")) == "The server did not answer in time"
