"""The demo's history of cases: each case's life planned (closed, open,
overdue, returned, ...) and played through the real case rules
(core.cases.apply_command), so state, deadline and timeline are exactly
what the rules produce.
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from core.cases import (
    CaseEvent,
    CaseSource,
    CaseState,
    Command,
    CommandKind,
    Role,
    RuleContext,
    apply_command,
)
from core.categories import Category, CategoryTree, LimitUnit, TimeLimit, Urgency
from core.geo import (
    CellGeometry,
)
from core.timeutil import CST, from_iso, to_iso
from core.worktime import WorkCalendar
from server.demo.model import HISTORY_DAYS, MINUTE, DemoData, DemoError, DemoUser
from server.demo.vehicles import apportion

Step = tuple[CommandKind, datetime, DemoUser, dict[str, Any]]


class CaseFactory:
    """Plans each case's history and plays it through the case rules."""

    def __init__(self, names: dict[str, Any], categories: CategoryTree, calendar: WorkCalendar,
                 data: DemoData, geoms: list[CellGeometry], grades: list[str],
                 cell_codes: list[str], community_name: dict[str, str], place: dict[str, Any],
                 rng: random.Random, now: datetime):
        self.names = names
        self.mix = names["case_mix"]
        self.categories = categories
        self.calendar = calendar
        self.rng = rng
        self.now = now
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.geoms = geoms
        self.cell_codes = cell_codes
        self.community_name = community_name
        self.roads = list(place["roads"])
        weight = {"A": 3.0, "B": 2.0, "C": 1.0}
        self.cell_cum = list(np.cumsum([weight[g] for g in grades]))
        self.users = {u.username: u for u in data.users}
        self.handler = {u.department_id: u for u in data.users if u.role is Role.DEPARTMENT}
        self.desk = {role: next(u for u in data.users if u.role is role)
                     for role in (Role.ACCEPTOR, Role.DISPATCHER, Role.SHIFT_LEADER)}
        dept_ids = {d["department_id"] for d in data.departments}
        cell_set = set(cell_codes)
        self.ctx = {role: RuleContext(role=role, categories=categories, calendar=calendar,
                                      department_exists=dept_ids.__contains__,
                                      cell_exists=cell_set.__contains__)
                    for role in Role}
        self.by_kind: dict[str, list[str]] = defaultdict(list)
        for dept in data.departments:
            if dept["street_code"] is None:
                self.by_kind[dept["kind"]].append(dept["department_id"])
        self.office_of_street = {d["street_code"]: d["department_id"] for d in data.departments
                                 if d["street_code"]}
        self.all_departments = sorted(dept_ids)
        self._category_table()
        sources = self.mix["sources"]
        self.sources = [CaseSource(k) for k in sources]
        self.source_weights = [float(v) for v in sources.values()]
        hours = self.mix["hour_weights"]
        self.hours = [int(h) for h in hours]
        self.hour_weights = [float(w) for w in hours.values()]

    def _category_table(self) -> None:
        classes = self.mix["classes"]
        boost = self.mix.get("subclass_weights", {})
        for key in list(classes) + list(boost):
            if key not in self.categories.classes and key not in self.categories:
                raise DemoError(f"the demo case mix names category {key!r}, which does not exist")
        self.category_keys: list[str] = []
        weights: list[float] = []
        for class_key, share in classes.items():
            members = [c for c in self.categories.subclasses.values() if c.class_key == class_key]
            total = sum(float(boost.get(c.key, 1.0)) for c in members)
            for c in members:
                self.category_keys.append(c.key)
                weights.append(float(share) * float(boost.get(c.key, 1.0)) / total)
        if not self.category_keys:
            raise DemoError("the demo case mix selects no categories")
        self.category_cum = list(np.cumsum(weights))

    # -- random pieces ---------------------------------------------------------

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _minutes(self, lo: float, hi: float) -> timedelta:
        return timedelta(seconds=round(self.rng.uniform(lo, hi) * 60))

    def _pick_cell(self) -> int:
        return self.rng.choices(range(len(self.geoms)), cum_weights=self.cell_cum)[0]

    def _pick_category(self) -> Category:
        key = self.rng.choices(self.category_keys, cum_weights=self.category_cum)[0]
        return self.categories[key]

    def _office_moment(self) -> datetime:
        """A registration time in the history window, in office-ish hours."""
        days = HISTORY_DAYS
        weekend = float(self.mix["weekend_weight"])
        for _ in range(1000):
            day = self.start.date() + timedelta(days=self.rng.randrange(days + 1))
            if not self.calendar.is_workday(day) and self.rng.random() > weekend:
                continue
            hour = self.rng.choices(self.hours, weights=self.hour_weights)[0]
            moment = datetime(day.year, day.month, day.day, hour, self.rng.randrange(60),
                              self.rng.randrange(60), tzinfo=CST)
            if self.start <= moment <= self.now:
                return moment
        return self.start

    def _department_for(self, category: Category, cell_index: int) -> str:
        override = self.names["dispatch_overrides"].get(category.key)
        if override:
            return str(override)
        if category.department_kind == "street_office":
            return self.office_of_street[self.cell_codes[cell_index][:9]]
        choices = self.by_kind.get(category.department_kind)
        if not choices:
            raise DemoError(f"no demo department of kind {category.department_kind!r} "
                            f"handles {category.key} {category.name}")
        return choices[0]

    def _register_payload(self, category: Category, cell_index: int, source: CaseSource,
                          reported: datetime) -> dict[str, Any]:
        geom = self.geoms[cell_index]
        (west, south), _, (east, north) = geom.ring[0], geom.ring[1], geom.ring[2]
        # Inside the square with a margin, so the point maps back to its cell.
        lon = round(west + (east - west) * self.rng.uniform(0.05, 0.95), 6)
        lat = round(south + (north - south) * self.rng.uniform(0.05, 0.95), 6)
        code = self.cell_codes[cell_index]
        road, road2 = self.rng.sample(self.roads, 2)
        address = self.rng.choice(self.names["address_templates"]).format(
            road=road, road2=road2, number=self.rng.randint(1, 300),
            community=self.community_name[code[:12]])
        texts = self.names["descriptions"]
        options = texts.get(category.key) or texts.get(category.class_key) or texts["default"]
        description = self.rng.choice(options).format(
            address=address, category=category.name, n=self.rng.randint(2, 12))
        return {"category": category.key, "cell_code": code, "lon": lon, "lat": lat,
                "source": source.value, "description": description, "address": address,
                "reported_at": to_iso(reported)}

    # -- histories ---------------------------------------------------------------

    def build(self, closed: int, open_: int) -> tuple[list[CaseState], list[CaseEvent]]:
        shares = self.mix["open_status_shares"]
        open_counts = apportion({k: float(v) for k, v in shares.items()}, open_)
        plans: list[str] = ["closed"] * closed
        for status, count in open_counts.items():
            plans += [status] * count
        cases: list[CaseState] = []
        events: list[CaseEvent] = []
        overdue_share = float(self.mix["overdue_share"])
        for plan in plans:
            if plan == "dispatched" and self.rng.random() < overdue_share:
                plan = "overdue"
            state, timeline = self._make_case(plan)
            cases.append(state)
            events.extend(timeline)
        order = sorted(range(len(cases)), key=lambda i: (cases[i].registered_at, cases[i].case_id))
        return [cases[i] for i in order], sorted(events, key=lambda e: (e.at, e.case_id, e.kind))

    def _make_case(self, plan: str) -> tuple[CaseState, list[CaseEvent]]:
        category = self._pick_category()
        if plan == "overdue" and category.limit.value > 10 and category.limit.unit is LimitUnit.WORK_DAYS:
            plan = "dispatched"  # a month-long limit cannot be overdue in a recent history
        cell = self._pick_cell()
        source = self.rng.choices(self.sources, weights=self.source_weights)[0]
        self._source = source  # hotline cases close by their callback
        right = self._department_for(category, cell)
        planner: Callable[[Category, str], list[Step] | None] = getattr(self, f"_plan_{plan}")
        case_id = self._uuid()
        for _attempt in range(60):
            steps = planner(category, right)
            if steps is None:
                continue
            first = steps[0][1]
            reported = first - (self._minutes(5, 60) if source is CaseSource.HOTLINE
                                else self._minutes(2, 25))
            steps[0] = (CommandKind.REGISTER, first, steps[0][2],
                        self._register_payload(category, cell, source, reported))
            state, timeline = self._play(case_id, steps)
            if plan == "overdue" and not (state.deadline and from_iso(state.deadline) < self.now):
                continue
            if plan == "dispatched" and not (state.deadline and from_iso(state.deadline) > self.now):
                continue
            return state, timeline
        raise DemoError(f"could not plan a {plan} case of {category.key} before {to_iso(self.now)}")

    def _play(self, case_id: str, steps: list[Step]) -> tuple[CaseState, list[CaseEvent]]:
        state: CaseState | None = None
        timeline: list[CaseEvent] = []
        for kind, at, user, payload in steps:
            command = Command(self._uuid(), kind, case_id, payload, user.username, user.workstation,
                              to_iso(at), state.version if state else 0)
            ctx = self.ctx[user.role]
            if user.role is Role.DEPARTMENT:  # a department acts on its own cases
                ctx = dataclasses.replace(ctx, user_department=user.department_id)
            state, event = apply_command(state, command, ctx)
            timeline.append(event)
        assert state is not None
        return state, timeline

    def _wrong_department(self, right: str) -> str:
        return self.rng.choice([d for d in self.all_departments if d != right])

    def _handling_time(self, start: datetime, limit: TimeLimit, fraction: float) -> datetime:
        moment = self.calendar.deadline(start, TimeLimit(limit.value * fraction, limit.unit))
        return max(moment.replace(microsecond=0), start + MINUTE)

    def _lead(self, category: Category) -> timedelta:
        """Registration to dispatch: within 10 minutes for urgent cases,
        30 otherwise (the Taiyuan stage limits)."""
        return self._minutes(2, 9) if category.urgency is not Urgency.NORMAL else self._minutes(3, 25)

    def _dispatch_steps(self, t0: datetime, category: Category, right: str, misdispatch: bool,
                        lead: timedelta | None = None) -> tuple[list[Step], datetime]:
        """Register, then dispatch (possibly to the wrong department first,
        which returns it).  Returns the steps and the final dispatch time."""
        acceptor, dispatcher = self.desk[Role.ACCEPTOR], self.desk[Role.DISPATCHER]
        t = t0 + (lead if lead is not None else self._lead(category))
        steps: list[Step] = [(CommandKind.REGISTER, t0, acceptor, {})]
        if misdispatch:
            wrong = self._wrong_department(right)
            steps.append((CommandKind.DISPATCH, t, dispatcher, {"department_id": wrong}))
            t += self._minutes(20, 180)
            steps.append((CommandKind.RETURN, t, self.handler[wrong],
                          {"reason": self.rng.choice(self.names["return_reasons"])}))
            t += self._minutes(10, 60)
        steps.append((CommandKind.DISPATCH, t, dispatcher, {"department_id": right}))
        return steps, t

    def _plan_closed(self, category: Category, right: str) -> list[Step] | None:
        t0 = self._office_moment()
        misdispatch = self.rng.random() < float(self.mix["misdispatch_share"])
        steps, dispatched = self._dispatch_steps(t0, category, right, misdispatch)
        late = self.rng.random() < float(self.mix["late_share"])
        fraction = self.rng.uniform(1.05, 2.0) if late else self.rng.uniform(0.1, 0.95)
        handled = self._handling_time(dispatched, category.limit, fraction)
        handler, dispatcher = self.handler[right], self.desk[Role.DISPATCHER]
        steps.append((CommandKind.REPORT_HANDLED, handled, handler, {}))
        t = handled
        if self.rng.random() < float(self.mix["rework_share"]):
            t += self._minutes(30, 240)
            steps.append((CommandKind.REWORK, t, dispatcher,
                          {"reason": self.rng.choice(self.names["rework_reasons"])}))
            t = self._handling_time(t, category.limit, self.rng.uniform(0.1, 0.5))
            steps.append((CommandKind.REPORT_HANDLED, t, handler, {}))
        t += self._minutes(20, 120)  # the supervisor's on-site check, recorded at the desk
        steps.append((CommandKind.CHECK, t, dispatcher, {}))
        t += self._minutes(5, 60)
        if self._source is CaseSource.HOTLINE:
            steps.append((CommandKind.CALLBACK, t, self.desk[Role.ACCEPTOR], {"result": "satisfied"}))
        else:
            steps.append((CommandKind.CLOSE, t, self.desk[Role.SHIFT_LEADER], {}))
        return steps if t <= self.now - MINUTE else None

    def _plan_registered(self, category: Category, right: str) -> list[Step] | None:
        return [(CommandKind.REGISTER, self.now - self._minutes(5, 240), self.desk[Role.ACCEPTOR], {})]

    def _recent_dispatch(self, category: Category, right: str,
                         back: timedelta) -> tuple[list[Step], datetime] | None:
        """Register and dispatch so that the dispatch lies ``back`` before now."""
        dispatched = self.now - back
        lead = self._lead(category)
        steps, at = self._dispatch_steps(dispatched - lead, category, right, False, lead)
        return (steps, at) if at < self.now else None

    def _plan_dispatched(self, category: Category, right: str) -> list[Step] | None:
        # Shrink the look-back until the deadline is still ahead: a 2-hour
        # urgent case must have been dispatched within the last 2 hours.
        limit_minutes = 3 * 24 * 60.0
        for _ in range(30):
            back = self._minutes(5, limit_minutes)
            deadline = self.calendar.deadline((self.now - back).replace(microsecond=0), category.limit)
            if deadline > self.now:
                break
            limit_minutes = max(6.0, limit_minutes * 0.6)
        planned = self._recent_dispatch(category, right, back)
        if planned is None:
            return None
        steps, dispatched = planned
        if self.rng.random() < 0.15 and self.now - dispatched > 20 * MINUTE:
            # handled once, sent back by the check, now being redone
            span = (self.now - dispatched).total_seconds() / 60
            handled = dispatched + self._minutes(span * 0.2, span * 0.5)
            rework = handled + self._minutes(span * 0.1, span * 0.4)
            steps += [(CommandKind.REPORT_HANDLED, handled, self.handler[right], {}),
                      (CommandKind.REWORK, rework, self.desk[Role.DISPATCHER],
                       {"reason": self.rng.choice(self.names["rework_reasons"])})]
        return steps

    def _plan_overdue(self, category: Category, right: str) -> list[Step] | None:
        planned = self._recent_dispatch(category, right, self._minutes(4 * 60, 20 * 24 * 60))
        return planned[0] if planned else None

    def _plan_handled(self, category: Category, right: str) -> list[Step] | None:
        planned = self._recent_dispatch(category, right, self._minutes(60, 4 * 24 * 60))
        if planned is None:
            return None
        steps, dispatched = planned
        span = (self.now - dispatched).total_seconds() / 60
        handled = dispatched + self._minutes(max(1.0, span * 0.2), span * 0.95)
        steps.append((CommandKind.REPORT_HANDLED, handled, self.handler[right], {}))
        return steps

    def _plan_returned(self, category: Category, right: str) -> list[Step] | None:
        dispatched = self.now - self._minutes(30, 2 * 24 * 60)
        t0 = dispatched - self._lead(category)
        wrong = self._wrong_department(right)
        span = (self.now - dispatched).total_seconds() / 60
        returned = dispatched + self._minutes(max(1.0, span * 0.1), span * 0.9)
        return [(CommandKind.REGISTER, t0, self.desk[Role.ACCEPTOR], {}),
                (CommandKind.DISPATCH, dispatched, self.desk[Role.DISPATCHER], {"department_id": wrong}),
                (CommandKind.RETURN, returned, self.handler[wrong],
                 {"reason": self.rng.choice(self.names["return_reasons"])})]


__all__ = ["CaseFactory", "Step"]
