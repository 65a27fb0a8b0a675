"""A workstation keeps its store across upgrades, and follows the server's
categories and calendar as the change feed brings them."""

from __future__ import annotations

import json
import sqlite3

from app.store.replica import LocalStore
from core.reference import load_file


def reference_change(seq: int, name: str, data: dict, version: str) -> dict:
    return {"seq": seq, "entity": "reference", "id": name,
            "data": {"name": name, "version": version, "data": json.dumps(data, ensure_ascii=False)}}


def test_the_server_tree_wins_and_a_broken_one_is_refused(tmp_path):
    store = LocalStore(tmp_path / "c.db")
    assert store.reference_versions == {} and "E0102" in store.categories
    shipped = load_file("categories").data
    edited = json.loads(json.dumps(shipped))
    edited["subclasses"][0]["name"] = "上水井盖（新）"
    edited["subclasses"].append({**edited["subclasses"][0], "code": "0199", "name": "智能井盖"})
    summary = store.apply_change_page([reference_change(1, "categories", edited, "9-new")], 1)
    assert "reference" in summary.entities
    assert store.categories["C0101"].name == "上水井盖（新）" and "C0199" in store.categories
    assert store.reference_versions == {"categories": "9-new"}
    # Another LocalStore on the same file (the UI's) picks it up on reload.
    ui = LocalStore(tmp_path / "c.db")
    assert "C0199" in ui.categories
    # A broken tree is not taken: the previous one stays, the error is kept.
    broken = {**edited, "subclasses": [{"kind": "event", "code": "x"}]}
    store.apply_change_page([reference_change(2, "categories", broken, "10-bad")], 2)
    assert store.reference_versions == {"categories": "9-new"} and "C0199" in store.categories
    assert "categories" in (store.get_state("reference_error") or "")
    assert store.cursor() == 2  # the rest of the page is applied
    # The calendar travels the same way.
    calendar = {"office_hours": [["09:00", "12:00"], ["14:00", "18:00"]], "overrides": {"2026-11-23": False}}
    store.apply_change_page([reference_change(3, "calendar", calendar, "2-x")], 3)
    assert store.calendar.minutes_per_day == 420 and store.calendar.overrides
    assert ui.reload_reference() and ui.calendar.minutes_per_day == 420
    assert ui.reload_reference() is False  # nothing new since


def test_an_older_store_gets_the_new_columns(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        # The skeleton's cases table, without the columns of the full loop.
        conn.execute("""CREATE TABLE cases (case_id VARCHAR(36) PRIMARY KEY, number VARCHAR(32),
            provisional_number VARCHAR(40), status VARCHAR(16) NOT NULL, category VARCHAR(8) NOT NULL,
            cell_code VARCHAR(15) NOT NULL, lon FLOAT NOT NULL, lat FLOAT NOT NULL, source VARCHAR(16) NOT NULL,
            description TEXT NOT NULL, address TEXT NOT NULL, department_id VARCHAR(32),
            reported_at VARCHAR(32), registered_at VARCHAR(32), dispatched_at VARCHAR(32),
            deadline VARCHAR(32), handled_at VARCHAR(32), closed_at VARCHAR(32), version INTEGER NOT NULL,
            updated_by VARCHAR(64), updated_at VARCHAR(32), updated_from VARCHAR(64), server_json TEXT,
            pending INTEGER NOT NULL)""")
        conn.execute("""INSERT INTO cases VALUES ('c1', '2026112100001', NULL, 'dispatched', 'E0102',
            '110101001001001', 116.41, 39.92, 'hotline', 'x', 'y', 'D-SAN', NULL, NULL, NULL,
            '2026-11-23T13:00:00+08:00', NULL, NULL, 2, NULL, NULL, NULL, NULL, 0)""")
    store = LocalStore(path)
    state = store.case("c1")
    assert state.extension_count == 0 and state.remaining_minutes is None and state.ticket_id is None
    with sqlite3.connect(path) as conn:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(cases)")}
    assert {"extension_count", "ticket_id", "callback_result", "paused_at"} <= columns
    store.close()
    assert LocalStore(path).case("c1").number == "2026112100001"  # opening again adds nothing, breaks nothing
