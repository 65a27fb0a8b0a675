"""The whole demo generated in memory: cells, departments, vehicles, users
and cases.  Pure apart from reading the clock when no ``now`` is given.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from core.categories import CategoryTree
from core.geo import (
    District,
)
from core.timeutil import CST, now_cst
from core.worktime import WorkCalendar
from server.demo.cases import CaseFactory
from server.demo.cells import lay_out
from server.demo.model import DemoData, DemoError, DemoOptions
from server.demo.people import users_for
from server.demo.vehicles import fleet


def generate(district: District, code: str, names: dict[str, Any], categories: CategoryTree,
             calendar: WorkCalendar, options: DemoOptions) -> DemoData:
    """Build the whole demo in memory.  Pure apart from reading the clock
    when ``options.now`` is None."""
    if min(options.closed, options.open, options.vehicles) < 0:
        raise DemoError("counts of cases and vehicles cannot be negative")
    place = dict(names["default_district"])
    place.update(names["districts"].get(code, {}))
    if code not in names["districts"] and district.properties.get("name"):
        place["name"] = str(district.properties["name"])
    rng = random.Random(options.seed)
    now = _now(options)
    data = DemoData(district_code=code, district_name=str(place["name"]))
    geoms, grades, cell_code_of, community_name = lay_out(district, code, names, place, data, options,
                                                          rng, now)

    data.vehicles = fleet(names["vehicles"], place, options.vehicles, rng)
    data.users = users_for(names, data.departments)
    factory = CaseFactory(names, categories, calendar, data, geoms, grades, cell_code_of,
                           community_name, place, rng, now)
    data.cases, data.events = factory.build(options.closed, options.open)
    return data


def _now(options: DemoOptions) -> datetime:
    moment = options.now or now_cst()
    if moment.tzinfo is None:
        raise DemoError("--now must carry a time zone, e.g. 2025-06-16T10:00:00+08:00")
    return moment.astimezone(CST).replace(microsecond=0)


__all__ = ["generate"]
