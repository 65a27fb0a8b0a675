"""The case queue over the local store: filters, sorting and search in SQL,
one page at a time, fast at a million cases.

A ``QueueQuery`` says what the dispatcher asked for (status, category,
department, street, source, overdue, mine, search text, sort).  The
``QueueService`` turns it into a page of case rowids in sort order, and the
next page after a keyset cursor (the last row's sort key and rowid), so a
page costs the same at row 200 and at row 200,000.  The item model
(app/views/queue_model.py) asks for pages as the view scrolls.

Plans, chosen per query (docs/queue.md has the measurements):

- Open cases (the working queue): walk the sort key's partial index over
  open cases; every filter column is in it, so the table is never read.
- Other scopes (all, closed, cancelled): walk the sort key's index over all
  cases, or, when the filters leave few rows, start from the most selective
  filter's index and sort what it finds.  Which is cheaper is estimated from
  per-value counts of each filter column, cached for a few minutes.
- Search: the trigram index (app/store/search.py) estimates how many cases
  hold the text.  Few: fetch exactly those and sort them.  Many: walk the
  sort order and test each case (a substring match on its text), which
  finds a page of rows quickly precisely because matches are common.

Threading: a ``QueueService`` reads through one ``LocalStore`` and belongs
to that store's thread.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import OperationalError

from app.store import tables as t
from app.store.replica import LocalStore
from app.store.search import SEARCH_TABLE, VOCAB_TABLE
from core.cases import OPEN_STATUSES, CaseSource, CaseStatus
from core.categories import CategoryTree
from core.problems import CodedError
from core.timeutil import now_iso

log = logging.getLogger(__name__)

PAGE = 200
TEXT_MAX = 100
STATS_TTL_S = 600.0
SPARSE_MATCHES = 4000  # at most this many candidates: fetch them all and sort
MAX_VOCAB_TERMS = 3000
WALK_BUDGET_S = 0.015  # a walk along the sort order that takes longer gives way to its fallback
FALLBACK_ROWS = 20000  # ... if that reads at most this many rows
_COMMON = 10**9  # the estimate of a query too common to list its candidates  # more trigrams than this start with the query: treat it as common

_OPEN = t.QUEUE_OPEN_PREDICATE
_OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)
_STATUS_CHOICES = frozenset({"open", "all"} | {s.value for s in CaseStatus})
_CATEGORY = re.compile(r"^[CE]\d{2}(\d{2})?$")
_STREET = re.compile(r"^\d{9}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# app/store/bulk_load.py's mark (its STATE_KEY) while an initial download runs unindexed.
_LOADING_SQL = "SELECT 1 FROM sync_state WHERE key = 'bulk_load'"


def _verify(text: str) -> str:
    """SQL true when a case holds ``text`` (the :q parameter) in one of its
    searched fields.  Field by field, so no match spans two; lower() only
    when the text has ASCII letters (the index folds their case), as it is
    the costly part of testing a row."""
    fields = ("description", "address", "number", "provisional_number")
    if any(ch.isascii() and ch.isalpha() for ch in text):
        return "(" + " OR ".join(f"instr(lower({f}), :q) > 0" for f in fields) + ")"
    return "(" + " OR ".join(f"instr({f}, :q) > 0" for f in fields) + ")"


class QueueError(CodedError, ValueError):
    """A queue query that cannot be run (unknown status, malformed code...);
    ``code`` says which, for the operator."""

    default_code = "bad_query"


def normalize_text(text: str) -> str:
    """What a search matches against: control characters (the index's
    separator among them) dropped, ASCII lower-cased as the index is,
    surrounding blanks trimmed."""
    cleaned = _CONTROL.sub("", text).strip()
    return "".join(ch.lower() if ch.isascii() else ch for ch in cleaned)


@dataclass(frozen=True)
class QueueQuery:
    status: str = "open"  # "open", "all" or one CaseStatus value
    category: str | None = None  # subclass key (E0102) or class key (E01)
    department: str | None = None
    street: str | None = None  # 9-digit street code
    source: str | None = None
    overdue: bool = False
    mine: bool = False
    text: str = ""
    sort: str = "deadline"
    descending: bool = False

    def validated(self) -> QueueQuery:
        """This query, normalised; QueueError naming the bad field otherwise."""
        if self.status not in _STATUS_CHOICES:
            raise QueueError(f"unknown status filter {self.status!r}")
        if self.category is not None and not _CATEGORY.match(self.category):
            raise QueueError(f"category filter must be a class (E01) or subclass key (E0102): {self.category!r}",
                             "bad_category_filter", value=self.category)
        if self.street is not None and not _STREET.match(self.street):
            raise QueueError(f"street filter must be a 9-digit street code: {self.street!r}", "bad_street_filter",
                             value=self.street)
        if self.source is not None and self.source not in {s.value for s in CaseSource}:
            raise QueueError(f"unknown case source {self.source!r}")
        if self.department is not None and not (0 < len(self.department) <= 64):
            raise QueueError(f"bad department filter {self.department!r}")
        if self.sort not in t.QUEUE_SORT_KEYS:
            raise QueueError(f"cannot sort by {self.sort!r}")
        if not isinstance(self.text, str):
            raise QueueError("search text must be text")
        text = normalize_text(self.text)
        if len(text) > TEXT_MAX:
            raise QueueError(f"search text is longer than {TEXT_MAX} characters", "search_too_long", limit=TEXT_MAX)
        return replace(self, text=text)

    @property
    def open_scope(self) -> bool:
        return self.status == "open" or self.status in _OPEN_VALUES or self.overdue


@dataclass(frozen=True)
class QueuePage:
    ids: list[int]  # case rowids, in order
    cursor: tuple[Any, ...] | None  # the last row's sort key values and rowid
    more: bool
    plan: str = ""  # how it was found (for docs/queue.md and the benchmark)


@dataclass(frozen=True)
class FilterOptions:
    departments: list[tuple[str, str]]  # (id, name)
    streets: list[tuple[str, str]]  # (code, name)
    categories: CategoryTree
    sources: list[str]
    statuses: list[str]


@dataclass
class _Search:
    text: str
    match: str | None  # FTS5 expression naming the candidates; None: none can match
    estimate: int  # upper bound of the candidates
    complete: bool = True  # False: counting stopped early; estimate is a lower bound, no match


@dataclass
class _Plan:
    index: str | None  # INDEXED BY this; None: let SQLite drive by rowid IN (...)
    where: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    sort_first: bool = True  # rows come out of the index in sort order
    name: str = ""
    empty: bool = False
    fallback: _Plan | None = None  # if this one runs out of time
    plain: bool = False  # no index hints at all


class _OutOfTime(Exception):
    pass


class QueueService:
    """Threading: the thread of ``store``."""

    def __init__(self, store: LocalStore, user: Mapping[str, Any] | None = None):
        self.store = store
        self.engine = store.engine
        self.user = dict(user or {})  # a count on another thread builds its own service for it
        self.operator = str(user["username"]) if user and user.get("username") else None
        self.user_department = (str(user["department_id"]) if user and user.get("role") == "department"
                                and user.get("department_id") else None)
        self._stats: dict[str, tuple[float, dict[str, int]]] = {}
        # At most this many search candidates: fetch them all and sort.
        self.sparse_matches = SPARSE_MATCHES

    @classmethod
    def on(cls, store: LocalStore, user: Mapping[str, Any] | None = None) -> QueueService:
        """The service for ``store`` and ``user``, made once and kept with the
        store: a background lane counts every keystroke's query on its own
        store, and the search statistics the service caches must outlive one
        count.  Threading: the thread of ``store`` (one lane, one store)."""
        key = (str((user or {}).get("username") or ""), str((user or {}).get("role") or ""),
               str((user or {}).get("department_id") or ""))
        service = store.service_cache.get(("queue", key))
        if service is None:
            service = store.service_cache[("queue", key)] = cls(store, user)
        return service

    # ---- pages --------------------------------------------------------------

    def page(self, query: QueueQuery, after: tuple[Any, ...] | None = None, limit: int = PAGE,
             now: str | None = None) -> QueuePage:
        """Up to ``limit`` case rowids in sort order, after ``after`` (a
        cursor from the previous page) or from the top."""
        query = query.validated()
        if limit <= 0:
            raise QueueError("page size must be positive")
        now = now or now_iso()
        if after is not None and len(after) != len(t.QUEUE_SORT_KEYS[query.sort]) + 1:
            raise QueueError("cursor does not belong to this sort")
        with self.engine.connect() as conn:
            plan = self._plan(conn, query, now)
            if plan.empty:
                return QueuePage([], None, False, plan.name)
            if plan.fallback is None:
                rows = self._page_rows(conn, plan, query, after, limit)
            else:
                # The estimate chose to walk the sort order, assuming the
                # matches are spread evenly along it.  When they are not
                # (cancelled cases have no deadline: all at the end), give
                # the walk a time budget and then start from the filter.
                try:
                    rows = self._page_rows(conn, plan, query, after, limit, budget_s=WALK_BUDGET_S)
                except _OutOfTime:
                    plan = plan.fallback
                    rows = self._page_rows(conn, plan, query, after, limit)
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = (*rows[-1][1:], rows[-1][0]) if rows else None
        return QueuePage([int(r[0]) for r in rows], cursor, more, plan.name)

    @staticmethod
    def _page_rows(conn: Connection, plan: _Plan, query: QueueQuery, after: tuple[Any, ...] | None,
                   limit: int, budget_s: float | None = None) -> list[Any]:
        keys = t.QUEUE_SORT_KEYS[query.sort]
        where, params = list(plan.where), dict(plan.params)
        if after is not None:
            names = [f":k{i}" for i in range(len(keys))]
            params.update({f"k{i}": v for i, v in enumerate(after[:-1])})
            params["kr"] = after[-1]
            op = "<" if query.descending else ">"
            where.append(f"({', '.join(keys)}, cases.rowid) {op} ({', '.join(names)}, :kr)")
        direction = " DESC" if query.descending else ""
        order = ", ".join(f"{k}{direction}" for k in keys) + f", cases.rowid{direction}"
        if not plan.sort_first:
            # Sort what the filter index found; do not let SQLite walk the
            # sort index instead (it would read the table).
            order = ", ".join(f"+{k}{direction}" for k in keys) + f", cases.rowid{direction}"
        source = "cases" if plan.plain else (f"cases INDEXED BY {plan.index}" if plan.index
                                             else "cases NOT INDEXED")
        sql = (f"SELECT cases.rowid, {', '.join(keys)} FROM {source}"
               f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY {order} LIMIT :limit")
        params["limit"] = limit + 1
        if budget_s is None:
            return list(conn.exec_driver_sql(sql, params).all())
        raw = conn.connection.driver_connection
        assert raw is not None
        deadline = time.perf_counter() + budget_s
        raw.set_progress_handler(lambda: time.perf_counter() > deadline, 2000)
        try:
            return list(conn.exec_driver_sql(sql, params).all())
        except OperationalError as exc:
            if time.perf_counter() > deadline and "interrupt" in str(exc).lower():
                raise _OutOfTime from exc
            raise
        finally:
            raw.set_progress_handler(None, 0)

    def count(self, query: QueueQuery, now: str | None = None) -> int:
        """How many cases match (can take tens of milliseconds at a million
        cases outside the open scope: the model runs it in the background)."""
        query = query.validated()
        now = now or now_iso()
        with self.engine.connect() as conn:
            plan = self._plan(conn, query, now, counting=True)
            if plan.empty:
                return 0
            source = f"cases INDEXED BY {plan.index}" if plan.index else \
                ("cases NOT INDEXED" if query.text and not plan.plain else "cases")
            sql = f"SELECT count(*) FROM {source}" + (" WHERE " + " AND ".join(plan.where) if plan.where else "")
            return int(conn.exec_driver_sql(sql, plan.params).scalar_one())

    # ---- rows for display ----------------------------------------------------

    def rows(self, rowids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Queue rows for a page of rowids, department and street names resolved."""
        ids = [int(i) for i in rowids]
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        with self.engine.connect() as conn:
            # The raw cursor: this runs when rows are painted, where every
            # millisecond shows.
            cursor = conn.connection.cursor()
            try:
                cursor.execute(f"{_ROW_SQL} WHERE cases.rowid IN ({marks})", tuple(ids))
                names = [d[0] for d in cursor.description][1:]
                return {int(r[0]): dict(zip(names, r[1:], strict=True)) for r in cursor.fetchall()}
            finally:
                cursor.close()

    def rowid_of(self, case_id: str) -> int | None:
        with self.engine.connect() as conn:
            value = conn.exec_driver_sql("SELECT rowid FROM cases WHERE case_id = ?", (case_id,)).scalar()
        return None if value is None else int(value)

    def filter_options(self) -> FilterOptions:
        with self.engine.connect() as conn:
            departments = [(r[0], r[1]) for r in conn.execute(
                select(t.departments.c.department_id, t.departments.c.name).order_by(t.departments.c.department_id))]
            streets = [(r[0], r[1]) for r in conn.execute(
                select(t.regions.c.code, t.regions.c.name).where(t.regions.c.level == "street")
                .order_by(t.regions.c.code))]
        return FilterOptions(departments, streets, self.store.categories,
                             [s.value for s in CaseSource], [s.value for s in CaseStatus])

    # ---- planning -------------------------------------------------------------

    def _filters(self, query: QueueQuery, now: str) -> tuple[list[str], dict[str, Any], dict[str, str]]:
        """WHERE terms, parameters, and per filter dimension its value (for
        the estimates)."""
        where: list[str] = []
        params: dict[str, Any] = {}
        dims: dict[str, str] = {}
        if query.open_scope:
            where.append(_OPEN)
        if query.status not in ("open", "all"):
            where.append("status = :status")
            params["status"] = query.status
            dims["status"] = query.status
        if query.category:
            if len(query.category) == 3:
                where.append("category >= :cat_lo AND category < :cat_hi")
                params.update(cat_lo=query.category, cat_hi=query.category + ":")
            else:
                where.append("category = :cat")
                params["cat"] = query.category
            dims["category"] = query.category
        if query.department:
            where.append("coalesce(department_id, '') = :dept")
            params["dept"] = query.department
            dims["department"] = query.department
        if query.street:
            where.append("cell_code >= :st_lo AND cell_code < :st_hi")
            params.update(st_lo=query.street, st_hi=query.street + ":")
            dims["street"] = query.street
        if query.source:
            where.append("source = :src")
            params["src"] = query.source
            dims["source"] = query.source
        if query.overdue:
            where.append("deadline < :now")
            params["now"] = now
        if query.mine:
            if self.user_department:
                where.append("department_id = :mine_dept")
                params["mine_dept"] = self.user_department
            elif self.operator:
                where.append("updated_by = :me")
                params["me"] = self.operator
            else:
                raise QueueError("'mine' needs a signed-in user", "mine_needs_user")
        return where, params, dims

    def _plan(self, conn: Connection, query: QueueQuery, now: str, counting: bool = False) -> _Plan:
        """How to find the rows: a page in sort order, or (``counting``) all
        of them in any order."""
        where, params, dims = self._filters(query, now)
        if conn.exec_driver_sql(_LOADING_SQL).first() is not None:
            # An initial download in bulk (app/store/bulk_load.py) has dropped
            # the indexes and the search triggers until it has caught up:
            # correct but unindexed, and the text tested on every case.
            if query.text:
                params["q"] = query.text
                where = [*where, _verify(query.text)]
            return _Plan(None, where, params, name="store still loading: unindexed", plain=True)
        search = (self._search(conn, query.text, None if counting else 2 * self.sparse_matches)
                  if query.text else None)
        if search is not None:
            if search.match is None and search.complete:
                return _Plan(None, name="search: no candidates", empty=True)
            params["q"] = search.text
            verify = _verify(search.text)
            by_candidates = None
            if search.match is not None:
                params["m"] = search.match
                candidates = f"cases.rowid IN (SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :m)"
                by_candidates = _Plan(None, [candidates, *where, verify], params, sort_first=False,
                                      name=f"search: {search.estimate} candidates, sorted")
                if search.estimate <= self.sparse_matches or (counting and search.estimate < _COMMON):
                    return by_candidates
            where = [*where, verify]
            # Fetching candidates costs about ten times a filter's rows: only
            # worth it as a fallback when they are few.
            fallback = by_candidates if search.estimate <= 2 * self.sparse_matches else None
        else:
            fallback = None
        if query.open_scope:
            return _Plan(f"ixq_open_{'status' if counting else query.sort}", where, params,
                         name="open index" + (", text tested per row" if search else ""),
                         fallback=None if counting else fallback)
        # Outside the open scope: walk the sort order, or start from a filter.
        best = self._best_filter(conn, dims)
        if best is not None:
            dim, matches = best
            scope = max(self._total(conn, query), 1)
            expected = self._estimate(conn, query, dims)
            if search is not None:
                expected *= min(1.0, search.estimate / max(sum(self._histogram(conn, "status").values()), 1))
            walk = min(scope, PAGE * scope / max(expected, 1.0))  # rows read to fill a page
            by_filter = _Plan(f"ixq_all_{dim}", where, params, sort_first=False,
                              name=f"filter index {dim} (~{matches} rows), sorted")
            if counting or matches < walk:
                return by_filter
            if matches <= FALLBACK_ROWS and (fallback is None or search is None
                                             or matches < search.estimate):
                fallback = by_filter
        if counting:
            return _Plan(None, where, params, name="count")
        return _Plan(f"ixq_all_{query.sort}", where, params,
                     name="sort index" + (", text tested per row" if search else ""), fallback=fallback)

    # ---- search ---------------------------------------------------------------

    @staticmethod
    def _quote(term: str) -> str:
        return '"' + term.replace('"', '""') + '"'

    def _search(self, conn: Connection, text: str, enough: int | None = None) -> _Search:
        """The candidates' FTS5 expression and an upper bound of their
        number.  ``enough``: stop counting past this many (the bound is then
        a lower bound and the expression incomplete, unusable)."""
        if len(text) >= 3:
            grams = sorted({text[i:i + 3] for i in range(len(text) - 2)})
            counts = [int(conn.exec_driver_sql(f"SELECT doc FROM {VOCAB_TABLE} WHERE term = ?", (g,))
                          .scalar() or 0) for g in grams]
            if min(counts) == 0:
                return _Search(text, None, 0)
            return _Search(text, " AND ".join(self._quote(g) for g in grams), min(counts))
        # One or two characters: the trigrams that start with them.  The
        # vocabulary counts a term's documents by reading its list, so a
        # common character is expensive to count in full: stop early.
        cursor = conn.exec_driver_sql(
            f"SELECT term, doc FROM {VOCAB_TABLE} WHERE term >= ? AND term < ? LIMIT {MAX_VOCAB_TERMS + 1}",
            (text, text + "\U0010ffff"))
        terms: list[str] = []
        estimate = 0
        for term, docs in cursor:
            terms.append(str(term))
            estimate += int(docs)
            if enough is not None and estimate > enough:
                cursor.close()
                return _Search(text, None, estimate, complete=False)
        if not terms:
            return _Search(text, None, 0)
        if len(terms) > MAX_VOCAB_TERMS:
            return _Search(text, None, _COMMON, complete=False)
        return _Search(text, " OR ".join(self._quote(t) for t in terms), estimate)

    # ---- estimates for plans outside the open scope ---------------------------------

    _DIMENSIONS = {"status": "status", "category": "category", "department": "coalesce(department_id, '')",
                   "street": "substr(cell_code, 1, 9)", "source": "source"}
    _DIM_INDEX = {"status": "status", "category": "category", "department": "department",
                  "street": "street", "source": "source"}

    def _histogram(self, conn: Connection, dim: str) -> dict[str, int]:
        cached = self._stats.get(dim)
        if cached is not None and time.monotonic() - cached[0] < STATS_TTL_S:
            return cached[1]
        expr = self._DIMENSIONS[dim]
        counts = {str(r[0]): int(r[1]) for r in conn.exec_driver_sql(
            f"SELECT {expr}, count(*) FROM cases INDEXED BY ixq_all_{self._DIM_INDEX[dim]} GROUP BY 1")}
        self._stats[dim] = (time.monotonic(), counts)
        return counts

    def _matches(self, conn: Connection, dim: str, value: str) -> int:
        counts = self._histogram(conn, dim)
        if dim == "category" and len(value) == 3:
            return sum(n for key, n in counts.items() if key.startswith(value))
        return counts.get(value, 0)

    def _total(self, conn: Connection, query: QueueQuery) -> int:
        counts = self._histogram(conn, "status")
        if query.status == "all":
            return sum(counts.values())
        return counts.get(query.status, 0)

    def _estimate(self, conn: Connection, query: QueueQuery, dims: Mapping[str, str]) -> float:
        """Expected matches, taking the filters as independent."""
        total = sum(self._histogram(conn, "status").values()) or 1
        estimate = float(self._total(conn, query))
        for dim, value in dims.items():
            if dim != "status":
                estimate *= self._matches(conn, dim, value) / total
        return estimate

    def _best_filter(self, conn: Connection, dims: Mapping[str, str]) -> tuple[str, int] | None:
        options = [(self._matches(conn, dim, value), dim) for dim, value in dims.items()]
        if not options:
            return None
        matches, dim = min(options)
        return dim, matches

    def invalidate_estimates(self) -> None:
        """Forget the cached per-value counts (after a large sync)."""
        self._stats.clear()


_ROW_SQL = ("SELECT cases.rowid, cases.case_id, cases.number, cases.provisional_number, cases.status, "
            "cases.category, cases.cell_code, cases.department_id, d.name AS department_name, "
            "s.name AS street_name, cases.deadline, cases.registered_at, cases.reported_at, cases.pending, "
            "cases.lon, cases.lat, cases.description, cases.address, cases.source, cases.paused_at, "
            "cases.escalation_level, cases.extension_count, cases.updated_by "
            "FROM cases LEFT JOIN departments d ON d.department_id = cases.department_id "
            "LEFT JOIN regions s ON s.code = substr(cases.cell_code, 1, 9)")
