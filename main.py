"""GridDesk desktop client.

    python main.py [--server URL] [--user NAME --password PW] [--workstation WS]
    python main.py --screenshot FILE   # render the main window after the first sync, exit 0
    python main.py --self-check        # print a JSON report of versions, store and server
    python main.py --exit-when-usable  # print a JSON line once the window is up, exit 0 (benchmarks startup)

This is the only module that imports the views.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import sqlite3
import sys
from pathlib import Path

DEFAULT_SERVER = os.environ.get("GRIDDESK_SERVER", "http://127.0.0.1:8808")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python main.py", description="GridDesk desktop client")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="central server URL")
    parser.add_argument("--store", type=Path, help="local SQLite store (default: per workstation in ~/.local/share/griddesk)")
    parser.add_argument("--workstation", default=os.environ.get("GRIDDESK_WORKSTATION", ""))
    parser.add_argument("--user", default=os.environ.get("GRIDDESK_USER"))
    parser.add_argument("--password", default=os.environ.get("GRIDDESK_PASSWORD"))
    parser.add_argument("--lang", default=os.environ.get("GRIDDESK_LANG", "zh_CN"), help="zh_CN (default) or en")
    parser.add_argument("--screenshot", type=Path, help="save a PNG of the main window after the first sync and exit")
    parser.add_argument("--screenshot-timeout", type=float, default=60.0,
                        help="seconds --screenshot and --exit-when-usable wait at most")
    parser.add_argument("--self-check", action="store_true", help="print a JSON report and exit")
    parser.add_argument("--exit-when-usable", action="store_true",
                        help="once the main window has painted with the queue filled, print one JSON line "
                             "(epoch time, RSS) and exit 0; for python -m benchmarks startup")
    return parser.parse_args(argv)


def self_check(args: argparse.Namespace, font_family: str | None) -> dict:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion
    from PySide6.QtGui import QFont, QRawFont

    from app.net.client import ServerClient
    from app.session import ClientConfig
    from app.store.replica import LocalStore

    config = ClientConfig(args.server, args.store, args.workstation)
    assert config.store_path is not None
    store = LocalStore(config.store_path)
    counts = store.row_counts()
    client = ServerClient(config.server_url, config.workstation, timeouts=config.timeouts)
    try:
        health = client.call("GET", "/api/health")
        reachable, server_info = True, health
    except Exception as exc:  # the report says why, whatever it is
        reachable, server_info = False, {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        client.close()
    cjk_ok = False
    if font_family:
        raw = QRawFont.fromFont(QFont(font_family))
        cjk_ok = all(raw.supportsCharacter(ord(ch)) for ch in "网格指挥台")
    store.close()
    return {
        "python": platform.python_version(),
        "qt": qVersion(),
        "pyside6": pyside_version,
        "sqlite": sqlite3.sqlite_version,
        "store": {"path": str(config.store_path), "rows": counts},
        "server": {"url": config.server_url, "reachable": reachable, **server_info},
        "cjk_font": {"family": font_family, "found": cjk_ok},
        "workstation": config.workstation,
    }


async def run_client(args: argparse.Namespace, app) -> int:
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QMessageBox

    from app.session import ClientConfig, ClientSession, SignInError
    from app.views.labels import problem_text
    from app.views.login_dialog import LoginDialog
    from app.views.main_window import MainWindow

    # What the imports made (modules, classes, functions) lives as long as the
    # process: kept out of the cyclic collector's walks (the first one, on the
    # UI thread during startup, walked all of it: 60 ms).
    gc.freeze()
    # This coroutine decides when the client ends (after the session is closed
    # cleanly); Qt quitting by itself when the sign-in dialog or the last
    # window closes would stop the loop under it ("Event loop stopped before
    # Future completed").
    app.setQuitOnLastWindowClosed(False)
    session = ClientSession(ClientConfig(args.server, args.store, args.workstation))
    username, password, message = args.user, args.password, ""
    while True:
        if not (username and password):
            if args.screenshot or args.exit_when_usable:
                print("--screenshot and --exit-when-usable need --user and --password", file=sys.stderr)
                return 2
            dialog = LoginDialog(session.config.workstation, message)
            if not await dialog_accepted(dialog):
                return 0
            username, password = dialog.username.text().strip(), dialog.password.text()
        try:
            await session.sign_in(username, password)
            break
        except SignInError as exc:
            if args.screenshot or args.exit_when_usable:
                print(f"sign-in failed: {exc}", file=sys.stderr)
                return 1
            message, username, password = problem_text(exc.problem), None, None
    window = MainWindow(session.services)
    window.show()
    if session.offline_sign_in:
        # Said once, without blocking: a modal exec() here would nest an event loop in this coroutine.
        # Translated in the "main" context: lupdate reads ``window.tr`` as a
        # context named "window", which no running widget has.
        notice = QMessageBox(QMessageBox.Icon.Information, QCoreApplication.translate("main", "Offline"),
                             QCoreApplication.translate(
                                 "main", "The server cannot be reached. You are working on this "
                                 "workstation's local store; commands are sent when it is back."),
                             QMessageBox.StandardButton.Ok, window)
        notice.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        notice.open()
    session.start_sync()
    if args.exit_when_usable:
        code = await _report_usable(window, args.screenshot_timeout)
        await session.close()
        return code
    if args.screenshot:
        code = await _screenshot(session, window, args.screenshot, args.screenshot_timeout)
        await session.close()
        return code
    closed = asyncio.get_event_loop().create_future()
    def window_closed() -> None:
        if not closed.done():
            closed.set_result(None)

    app.lastWindowClosed.connect(window_closed)
    await closed
    await session.close()
    return 0


async def dialog_accepted(dialog) -> bool:
    """Show ``dialog`` and wait, without a nested event loop, until it is
    answered.  ``dialog.exec()`` here would run a second event loop inside
    this coroutine, and qasync cannot enter the sync tasks from it ("Cannot
    enter into task … while another task is being executed"): the client
    died on the first Enter."""
    from PySide6.QtWidgets import QDialog

    answered: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(code: int) -> None:
        if not answered.done():
            answered.set_result(code)

    dialog.finished.connect(finished)
    dialog.open()
    return await answered == QDialog.DialogCode.Accepted


async def _screenshot(session, window, path: Path, timeout: float) -> int:
    loop = asyncio.get_event_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        status = session.driver.status
        if status.last_sync is not None and window.map.vehicle_count() > 0:
            break
        await asyncio.sleep(0.2)
    else:
        print("no successful sync with vehicles before the timeout; saving what is shown", file=sys.stderr)
    await asyncio.sleep(0.5)  # let the last repaint land
    path.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(path))
    print(json.dumps({"screenshot": str(path), "saved": ok}))
    return 0 if ok else 1


async def _report_usable(window, timeout: float) -> int:
    """``--exit-when-usable``: wait until the map (its static picture
    rendered with every cell of the store in it: the cells arrive from the
    map lane after the window shows) and the queue (holding its first rows)
    have painted, then print ``{"usable_at": epoch seconds, "cpu_s": this
    process's CPU seconds (all threads), "rss_mb": ..., "queue_rows": ...,
    "cells_drawn": ...}`` on stdout.  The caller notes the epoch time before starting this process;
    the difference is the cold start.  Polled every 5 ms: at most that much
    is added to the figure."""
    import time

    from PySide6.QtCore import QEvent, QObject

    watched = {window.map.graphics_view().viewport(): False, window.queue.viewport(): False}

    class PaintSeen(QObject):
        def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Paint and obj in watched:
                watched[obj] = True
            return False

    seen = PaintSeen(window)
    for widget in watched:
        widget.installEventFilter(seen)
        widget.update()  # painted once more after the filter is in, if it already was
    loop = asyncio.get_event_loop()
    deadline = loop.time() + timeout
    def usable() -> bool:
        # The cells come from the map lane after the window shows: usable only
        # once a whole-view render of the map has drawn every one of them.
        return (all(watched.values()) and window.cells_loaded() and window.map.full_renders() > 0
                and window.map.rendered_cells() == len(window.map.cell_codes())
                and window.queue_model.rowCount() > 0)

    while not usable():
        if loop.time() > deadline:
            print(f"not usable within {timeout} s: painted {list(watched.values())}, map rendered "
                  f"{window.map.full_renders()} times ({window.map.rendered_cells()} of "
                  f"{len(window.map.cell_codes())} cells), {window.queue_model.rowCount()} queue rows",
                  file=sys.stderr)
            return 1
        await asyncio.sleep(0.005)
    usable_at = time.time()
    with open("/proc/self/statm", encoding="ascii") as statm:
        rss_mb = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    print(json.dumps({"usable_at": usable_at, "cpu_s": time.process_time(), "rss_mb": round(rss_mb, 1),
                      "queue_rows": window.queue_model.rowCount(), "cells_drawn": window.map.rendered_cells()}),
          flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.screenshot or args.self_check or args.exit_when_usable:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    from app.runtime.collector import install as install_collector
    from app.runtime.i18n import install_translation, load_cjk_font

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("GridDesk")
    app.setOrganizationName("GridDesk")
    install_collector(app)  # cyclic garbage is freed on this thread only (app/runtime/collector.py)
    font_family = load_cjk_font(app)
    install_translation(app, args.lang)
    if args.self_check:
        print(json.dumps(self_check(args, font_family), ensure_ascii=False, indent=2))
        return 0
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(run_client(args, app))


if __name__ == "__main__":
    sys.exit(main())
