"""The queue over a real client store: every filter, every sort (both ways,
paged by keyset), search for Chinese substrings of any length through both
of its plans, the search index kept in step by the store's own writes, and
bad queries refused without changing anything."""

from __future__ import annotations

import itertools

import pytest
from queue_world import NOW, build_store, expected, make_cases, rowids_of

from app.services.queue import QueueError, QueueQuery, QueueService
from app.store import tables as t
from app.store.replica import LocalStore
from app.store.search import SEARCH_TABLE
from core.timeutil import to_iso

NOW_ISO = to_iso(NOW)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    store, cases = build_store(tmp_path_factory.mktemp("queue") / "c.db")
    yield store, cases, rowids_of(store)
    store.close()


def _all_pages(service: QueueService, query: QueueQuery, limit: int) -> list[int]:
    ids, cursor = [], None
    for _ in range(1000):
        page = service.page(query, after=cursor, limit=limit, now=NOW_ISO)
        ids += page.ids
        cursor = page.cursor
        if not page.more:
            return ids
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("sort", list(t.QUEUE_SORT_KEYS))
def test_every_sort_both_ways_in_every_scope_pages_like_the_reference(world, sort):
    store, cases, rowids = world
    service = QueueService(store, store.user("dispatcher"))
    for status, descending in itertools.product(("open", "all", "closed", "dispatched"), (False, True)):
        query = QueueQuery(status=status, sort=sort, descending=descending)
        want = expected(cases, rowids, status=status, sort=sort, descending=descending, now=NOW_ISO)
        assert want, (status, sort)
        assert _all_pages(service, query, 37) == want, (status, sort, descending)
        assert service.count(query, NOW_ISO) == len(want)


@pytest.mark.parametrize("filters", [
    {"category": "E0102"}, {"category": "E01"}, {"category": "C01"}, {"department": "D-SAN"},
    {"street": "110101002"}, {"source": "video"}, {"overdue": True}, {"department": "D-ROAD", "source": "hotline"},
    {"street": "110101001", "category": "E04", "sort": "address", "descending": True},
])
@pytest.mark.parametrize("status", ["open", "all", "closed"])
def test_filters_match_the_reference(world, filters, status):
    store, cases, rowids = world
    service = QueueService(store, store.user("dispatcher"))
    query = QueueQuery(status=status, **filters)
    want = expected(cases, rowids, status=status, now=NOW_ISO, **filters)
    assert _all_pages(service, query, 50) == want
    assert service.count(query, NOW_ISO) == len(want)


def test_plans_outside_the_open_scope_start_from_a_selective_filter(world):
    store, cases, rowids = world
    service = QueueService(store, store.user("dispatcher"))
    # The estimate (per-value counts) sees that video reports are few.
    narrow = QueueQuery(status="all", source="video", category="E0102", sort="address")
    page = service.page(narrow, now=NOW_ISO)
    assert page.plan.startswith("filter index")
    assert page.ids == expected(cases, rowids, status="all", source="video", category="E0102",
                                sort="address", now=NOW_ISO)[:200]
    assert service.page(QueueQuery(status="all", sort="address"), now=NOW_ISO).plan == "sort index"


def test_mine_is_what_i_acted_on_last_or_my_departments_cases(world):
    store, cases, rowids = world
    me = QueueService(store, store.user("dispatcher2"))
    assert _all_pages(me, QueueQuery(status="all", mine=True), 64) == \
        expected(cases, rowids, status="all", mine_user="dispatcher2", now=NOW_ISO)
    dept = QueueService(store, store.user("dept"))
    assert _all_pages(dept, QueueQuery(status="all", mine=True), 64) == \
        expected(cases, rowids, status="all", department="D-SAN", now=NOW_ISO)
    with pytest.raises(QueueError):
        QueueService(store, None).page(QueueQuery(mine=True))


SEARCHES = ["井", "鑫", "号", "大街", "垃圾", "井大", "垃圾桶", "王府井大街", "东四北大街3号", "小广告",
            "0007", "ws01", "WS02-2026", "2026111", "号门", "交叉口", "桶满溢，周边", "不存在的词"]


@pytest.mark.parametrize("sparse", [True, False], ids=["fetch-candidates", "test-per-row"])
@pytest.mark.parametrize("status", ["open", "all"])
def test_search_finds_substrings_of_any_length_by_both_plans(world, sparse, status):
    store, cases, rowids = world
    service = QueueService(store, store.user("dispatcher"))
    if not sparse:
        service.sparse_matches = 0  # take the other plan for every query
    found_some = 0
    for text in SEARCHES:
        query = QueueQuery(status=status, text=text, sort="registered", descending=True)
        normal = "".join(ch.lower() if ch.isascii() else ch for ch in text)
        want = expected(cases, rowids, status=status, text=normal, sort="registered", descending=True,
                        now=NOW_ISO)
        assert _all_pages(service, query, 40) == want, text
        assert service.count(query, NOW_ISO) == len(want), text
        found_some += bool(want)
    assert found_some >= 10  # the world holds most of them


def test_one_and_two_characters_are_found_at_the_very_end_of_a_field(tmp_path):
    store, cases = build_store(tmp_path / "c.db", count=30)
    service = QueueService(store, store.user("dispatcher"))
    case = dict(cases[3], address="东单北大街", description="门前有一堆砖")
    store.apply_change_page([{"seq": 999, "entity": "case", "id": case["case_id"], "data": case}], 999)
    for text in ("砖", "堆砖", "街", "大街"):
        ids = service.page(QueueQuery(status="all", text=text), now=NOW_ISO).ids
        assert rowids_of(store)[case["case_id"]] in ids, text


def test_the_search_index_follows_updates_and_deletes(tmp_path):
    store, cases = build_store(tmp_path / "c.db", count=30)
    service = QueueService(store, store.user("dispatcher"))
    target = cases[5]
    query_old = QueueQuery(status="all", text=target["address"])
    assert service.count(query_old) >= 1
    moved = dict(target, address="朝阳门内大街88号", description="朝阳门内大街88号有积水")
    store.apply_change_page([{"seq": 500, "entity": "case", "id": target["case_id"], "data": moved}], 500)
    rowid = rowids_of(store)[target["case_id"]]
    assert rowid not in service.page(query_old).ids
    assert service.page(QueueQuery(status="all", text="朝阳门内")).ids == [rowid]
    assert service.page(QueueQuery(status="all", text="积")).ids == [rowid]
    # The same row again (the feed repeats itself): still exactly one hit.
    store.apply_change_page([{"seq": 501, "entity": "case", "id": target["case_id"], "data": moved}], 501)
    assert service.page(QueueQuery(status="all", text="朝阳门内")).ids == [rowid]
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM cases WHERE case_id = ?", (target["case_id"],))
    assert service.page(QueueQuery(status="all", text="朝阳门内")).ids == []
    with store.engine.connect() as conn:  # nothing left behind in the index
        hits = conn.exec_driver_sql(f"SELECT count(*) FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH "
                                    "'\"朝阳门\"'").scalar_one()
    assert hits == 0


def test_a_store_from_an_older_client_gets_the_index_when_opened(tmp_path):
    store, cases = build_store(tmp_path / "c.db", count=40)
    with store.engine.begin() as conn:
        for name in ("case_search_insert", "case_search_update", "case_search_delete"):
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
        conn.exec_driver_sql("DROP TABLE case_search_vocab")
        conn.exec_driver_sql("DROP TABLE case_search")
        conn.exec_driver_sql("DROP INDEX ixq_open_deadline")
        conn.exec_driver_sql("DELETE FROM sync_state WHERE key = 'search_index_version'")
    store.close()
    reopened = LocalStore(tmp_path / "c.db")
    rowids = rowids_of(reopened)
    service = QueueService(reopened, reopened.user("dispatcher"))
    assert service.page(QueueQuery(status="all", text="王府井")).ids == \
        expected(cases, rowids, status="all", text="王府井")
    assert service.page(QueueQuery(), now=NOW_ISO).plan == "open index"
    reopened.close()


@pytest.mark.parametrize("bad", [
    {"status": "lost"}, {"category": "X01"}, {"category": "E1"}, {"street": "11010100"},
    {"street": "abcdefghi"}, {"source": "pigeon"}, {"sort": "colour"}, {"text": "长" * 101},
    {"department": ""},
])
def test_bad_queries_are_refused_with_a_reason(world, bad):
    store, _cases, _rowids = world
    service = QueueService(store, store.user("dispatcher"))
    with pytest.raises(QueueError) as info:
        service.page(QueueQuery(**bad))
    assert str(info.value)
    with pytest.raises(QueueError):
        service.count(QueueQuery(**bad))


def test_a_cursor_from_another_sort_is_refused(world):
    store, _cases, _rowids = world
    service = QueueService(store, store.user("dispatcher"))
    page = service.page(QueueQuery(sort="status"), limit=5)
    with pytest.raises(QueueError):
        service.page(QueueQuery(sort="number"), after=page.cursor)


def test_control_characters_cannot_reach_the_index(world):
    store, cases, rowids = world
    service = QueueService(store, store.user("dispatcher"))
    # The separator between fields is dropped, so no query spans two fields.
    assert _all_pages(service, QueueQuery(status="all", text="号\x1f"), 500) == \
        expected(cases, rowids, status="all", text="号")


def test_status_bar_counts_match_the_cases(world):
    store, cases, _rowids = world
    counts = store.counts(NOW_ISO)
    assert counts.open == sum(c["status"] in {"reported", "verified", "registered", "dispatched", "returned",
                                              "handled", "checked", "deferred"} for c in cases)
    assert counts.overdue == len(expected(cases, rowids_of(store), status="open", overdue=True, now=NOW_ISO))


def test_open_counts_follow_every_write_and_survive_an_older_store(tmp_path):
    store, cases = build_store(tmp_path / "c.db", count=60)
    open_statuses = {"reported", "verified", "registered", "dispatched", "returned", "handled", "checked",
                     "deferred"}

    def expected_open(rows):
        return sum(c["status"] in open_statuses for c in rows)

    assert store.counts(NOW_ISO).open == expected_open(cases)
    changed = [dict(c, status="closed") for c in cases[:10]]
    store.apply_change_page([{"seq": 900 + n, "entity": "case", "id": c["case_id"], "data": c}
                             for n, c in enumerate(changed)], 910)
    cases = changed + cases[10:]
    assert store.counts(NOW_ISO).open == expected_open(cases)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM cases WHERE case_id = ?", (cases[20]["case_id"],))
    remaining = cases[:20] + cases[21:]
    assert store.counts(NOW_ISO).open == expected_open(remaining)
    # An older client's store: no counters yet; opening it builds them.
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER case_counts_insert")
        conn.exec_driver_sql("DELETE FROM case_status_counts")
    store.close()
    reopened = LocalStore(tmp_path / "c.db")
    assert reopened.counts(NOW_ISO).open == expected_open(remaining)
    reopened.close()


def test_while_an_initial_download_runs_unindexed_the_queue_stays_right(tmp_path):
    from datetime import timedelta

    from app.services.evaluation import EvaluationService
    from app.store import bulk_load
    from core.evaluation import Period

    store, cases = build_store(tmp_path / "c.db", count=80)
    service = QueueService(store, store.user("dispatcher"))
    bulk_load.begin(store)  # as the sync engine does for an empty store far behind the feed
    more = make_cases(120, NOW - timedelta(days=40))
    for n, case in enumerate(more):
        case["case_id"] = f"late-{n:04d}"
        case["address"] = case["address"] + "雍和宫"
    store.apply_change_page([{"seq": 2000 + n, "entity": "case", "id": c["case_id"], "data": c}
                             for n, c in enumerate(more)], 2200)
    everything = cases + more
    rowids = rowids_of(store)
    for query, want in (
        (QueueQuery(status="all", sort="address"), expected(everything, rowids, status="all", sort="address")),
        (QueueQuery(department="D-SAN"), expected(everything, rowids, department="D-SAN", now=NOW_ISO)),
        (QueueQuery(status="all", text="雍和宫"), expected(everything, rowids, status="all", text="雍和宫")),
        (QueueQuery(status="all", text="桶"), expected(everything, rowids, status="all", text="桶")),
    ):
        page = service.page(query, limit=1000, now=NOW_ISO)
        assert page.plan == "store still loading: unindexed"
        assert page.ids == want and service.count(query, NOW_ISO) == len(want)
    open_statuses = {"reported", "verified", "registered", "dispatched", "returned", "handled", "checked",
                     "deferred"}
    assert store.counts(NOW_ISO).open == sum(c["status"] in open_statuses for c in everything)
    assert EvaluationService(store).facts(Period.containing("month", (NOW - timedelta(days=40)).date()))
    bulk_load.finish(store)  # indexes and the search index back, built over everything
    page = service.page(QueueQuery(status="all", text="雍和宫"), limit=1000, now=NOW_ISO)
    assert page.plan != "store still loading: unindexed"
    assert page.ids == expected(everything, rowids, status="all", text="雍和宫")
    assert store.counts(NOW_ISO).open == sum(c["status"] in open_statuses for c in everything)
