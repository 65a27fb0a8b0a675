"""Figures per grid cell for the map's choropleth, counted in the local store.

One SQL ``GROUP BY cell_code`` per figure, then aligned with the cells the
map draws.  Counting is done on the local replica, so the choropleth works
offline like the rest of the case loop.

Threading: whichever thread owns the ``LocalStore`` passed in (the GUI
thread's store for the map; a district of 60,000 cells and 10,000 open cases
counts in a few milliseconds).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import func, select

from app.store import tables as t
from app.store.replica import LocalStore
from core.cases import OPEN_STATUSES
from core.timeutil import from_iso, to_iso

__all__ = ["FIGURES", "cell_figure"]

# The figures a dispatcher can shade the cells by, in menu order.
FIGURES = ("open_cases", "overdue_cases", "cases_this_month")


def _counts(store: LocalStore, figure: str, now: str) -> dict[str, int]:
    cases = t.cases
    query = select(cases.c.cell_code, func.count()).group_by(cases.c.cell_code)
    open_values = [s.value for s in OPEN_STATUSES]
    if figure == "open_cases":
        query = query.where(cases.c.status.in_(open_values))
    elif figure == "overdue_cases":
        query = query.where(
            cases.c.status.in_(open_values), cases.c.deadline.is_not(None), cases.c.deadline < now
        )
    elif figure == "cases_this_month":
        start = from_iso(now).replace(day=1, hour=0, minute=0, second=0)
        # Timestamps are stored in one fixed ISO format, so they compare as text.
        query = query.where(cases.c.registered_at.is_not(None), cases.c.registered_at >= to_iso(start))
    else:
        raise ValueError(f"unknown cell figure {figure!r}; known: {', '.join(FIGURES)}")
    with store.engine.connect() as conn:
        return {str(code): int(n) for code, n in conn.execute(query)}


def cell_figure(store: LocalStore, figure: str, codes: Sequence[str], now: str) -> np.ndarray:
    """The figure for each cell of ``codes`` (0 where there is none), as float64."""
    counts = _counts(store, figure, now)
    return np.fromiter((counts.get(code, 0) for code in codes), dtype=np.float64, count=len(codes))
