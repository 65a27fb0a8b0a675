"""The one background API: answers arrive on the UI thread by queued
signal, failures take the one failure path, progress arrives, each lane
works on a store connection of its own, operations publish on the bus."""

from __future__ import annotations

import asyncio
import threading

import pytest

from app.runtime.background import Background, Failure
from app.runtime.bus import ChangeBus
from app.store.changes import ChangeSummary
from app.store.replica import LocalStore


@pytest.fixture
def store(tmp_path):
    store = LocalStore(tmp_path / "c.db")
    store.set_state("probe", "42")
    yield store
    store.close()


def test_a_query_answers_on_the_ui_thread_from_a_store_of_its_own(qtbot, store):
    runner = Background(store.path)
    ui = threading.get_ident()
    seen: dict = {}

    def query(lane_store: LocalStore) -> str | None:
        seen["thread"] = threading.get_ident()
        seen["store"] = lane_store
        return lane_store.get_state("probe")

    answers: list = []
    runner.query(query, lambda value: answers.append((value, threading.get_ident())))
    assert answers == []  # not synchronous: the answer comes by queued signal
    qtbot.waitUntil(lambda: bool(answers), timeout=5000)
    assert answers == [("42", ui)]
    assert seen["thread"] != ui and seen["store"] is not store and seen["store"].path == store.path
    assert runner.has_store_on("query")
    runner.close()


def test_a_failure_reaches_the_one_failure_path(qtbot, store):
    runner = Background(store.path)
    failures: list[Failure] = []
    runner.failed.connect(failures.append)

    def broken(_store: LocalStore) -> None:
        raise ValueError("no such thing")

    done: list = []
    runner.query(broken, done.append, title="Probing")
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert done == [] and failures[0].title == "Probing" and isinstance(failures[0].error, ValueError)
    # A caller that shows the failure in place gets it instead, and only it.
    local: list[BaseException] = []
    runner.query(broken, done.append, on_failure=local.append)
    qtbot.waitUntil(lambda: bool(local), timeout=5000)
    assert len(failures) == 1 and done == []
    runner.close()


def test_progress_arrives_on_the_ui_thread(qtbot, store):
    runner = Background(store.path)
    steps: list[tuple[str, int, int, int]] = []
    runner.progress.connect(lambda title, done, total: steps.append((title, done, total, threading.get_ident())))

    def long_work(_store: LocalStore, progress) -> int:
        for n in range(1, 4):
            progress(n, 3)
        return 3

    result: list[int] = []
    runner.query(long_work, result.append, title="Counting", with_progress=True)
    qtbot.waitUntil(lambda: bool(result), timeout=5000)
    assert [(t, d, n) for t, d, n, _ in steps] == [("Counting", 1, 3), ("Counting", 2, 3), ("Counting", 3, 3)]
    assert {ident for *_rest, ident in steps} == {threading.get_ident()}
    runner.close()


def test_only_the_latest_job_of_a_key_answers(qtbot, store):
    runner = Background(store.path)
    gate = threading.Event()
    answers: list[int] = []
    runner.query(lambda _s: gate.wait(5) and 0, lane="slow")  # holds the lane
    for n in (1, 2, 3):
        runner.query(lambda _s, n=n: n, answers.append, lane="slow", key="count")
    gate.set()
    qtbot.waitUntil(lambda: bool(answers), timeout=5000)
    qtbot.wait(50)
    assert answers == [3]
    runner.close()


def test_an_operation_publishes_its_summary_on_the_bus(qtbot, store):
    bus = ChangeBus()
    runner = Background(store.path, bus)
    heard: list = []
    bus.changed.connect(lambda summary, initiator: heard.append((summary, initiator)))
    initiator = object()

    def write(lane_store: LocalStore) -> tuple[str, ChangeSummary]:
        lane_store.set_state("probe", "43")
        return "written", ChangeSummary(entities={"state"})

    results: list[str] = []
    runner.operation(write, results.append, initiator=initiator)
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert results == ["written"] and heard[0][0].entities == {"state"} and heard[0][1] is initiator
    assert store.get_state("probe") == "43"
    runner.close()


def test_the_awaitable_form(event_loop, store):
    runner = Background(store.path)

    async def ask() -> str | None:
        return await runner.run(lambda s: s.get_state("probe"))

    assert event_loop.run_until_complete(asyncio.wait_for(ask(), 5)) == "42"

    async def fail() -> None:
        await runner.run(lambda _s: 1 / 0)

    with pytest.raises(ZeroDivisionError):
        event_loop.run_until_complete(asyncio.wait_for(fail(), 5))
    runner.close()
