"""Case categories: 部件 components and 事件 events, with their time limits.

The tree is data (resources/categories.json), editable by the city, never
constants in code.  A category key is the kind letter plus the code
("C0101" = component 0101 上水井盖, "E0101" = event 0101), because the
component and event code spaces overlap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


class CategoryError(ValueError):
    """The category file is malformed."""


class CategoryKind(StrEnum):
    COMPONENT = "component"  # 部件
    EVENT = "event"  # 事件


class LimitUnit(StrEnum):
    WORK_HOURS = "work_hours"  # 工作时
    WORK_DAYS = "work_days"  # 工作日
    HOURS = "hours"  # wall-clock hours, for urgent cases


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"


@dataclass(frozen=True)
class TimeLimit:
    value: float
    unit: LimitUnit


@dataclass(frozen=True)
class CategoryClass:
    key: str
    kind: CategoryKind
    code: str
    name: str


@dataclass(frozen=True)
class Category:
    """A subclass, the level a case is filed under."""

    key: str
    kind: CategoryKind
    code: str
    class_key: str
    name: str
    department_kind: str
    limit: TimeLimit
    urgency: Urgency


def category_key(kind: CategoryKind, code: str) -> str:
    return ("C" if kind is CategoryKind.COMPONENT else "E") + code


@dataclass(frozen=True)
class UrgencyLevel:
    """Stage limits of an urgency level (Taiyuan: register + dispatch within
    10 minutes for emergencies, 30 otherwise)."""

    urgency: Urgency
    dispatch_minutes: float


DEFAULT_URGENCY_LEVELS = {
    Urgency.NORMAL: UrgencyLevel(Urgency.NORMAL, 30),
    Urgency.URGENT: UrgencyLevel(Urgency.URGENT, 10),
    Urgency.EMERGENCY: UrgencyLevel(Urgency.EMERGENCY, 10),
}


class CategoryTree:
    def __init__(self, classes: list[CategoryClass], subclasses: list[Category], *,
                 version: int = 0, urgency_levels: dict[Urgency, UrgencyLevel] | None = None):
        self.classes = {c.key: c for c in classes}
        self.subclasses = {c.key: c for c in subclasses}
        self.version = version
        self.urgency_levels = dict(urgency_levels or DEFAULT_URGENCY_LEVELS)

    def __contains__(self, key: object) -> bool:
        return key in self.subclasses

    def __getitem__(self, key: str) -> Category:
        return self.subclasses[key]

    def get(self, key: str) -> Category | None:
        return self.subclasses.get(key)

    def by_kind(self, kind: CategoryKind) -> list[Category]:
        return [c for c in self.subclasses.values() if c.kind is kind]

    def in_class(self, class_key: str) -> list[Category]:
        return [c for c in self.subclasses.values() if c.class_key == class_key]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CategoryTree:
        if not isinstance(data, dict):
            raise CategoryError("category data is not a JSON object")
        try:
            classes = []
            for item in data["classes"]:
                kind = CategoryKind(item["kind"])
                code = str(item["code"])
                if not (code.isdigit() and len(code) == 2):
                    raise CategoryError(f"class code must be 2 digits: {code!r}")
                classes.append(CategoryClass(category_key(kind, code), kind, code, str(item["name"])))
            class_keys = {c.key for c in classes}
            subclasses = []
            for item in data["subclasses"]:
                kind = CategoryKind(item["kind"])
                code = str(item["code"])
                if not (code.isdigit() and len(code) == 4):
                    raise CategoryError(f"subclass code must be 4 digits: {code!r}")
                class_key = category_key(kind, code[:2])
                if class_key not in class_keys:
                    raise CategoryError(f"subclass {code} has no class {code[:2]}")
                limit = TimeLimit(float(item["limit"]["value"]), LimitUnit(item["limit"]["unit"]))
                if limit.value <= 0:
                    raise CategoryError(f"time limit of {code} must be positive")
                subclasses.append(
                    Category(
                        key=category_key(kind, code),
                        kind=kind,
                        code=code,
                        class_key=class_key,
                        name=str(item["name"]),
                        department_kind=str(item["department_kind"]),
                        limit=limit,
                        urgency=Urgency(item.get("urgency", "normal")),
                    )
                )
            levels = dict(DEFAULT_URGENCY_LEVELS)
            for name, item in (data.get("urgency_levels") or {}).items():
                urgency = Urgency(name)
                minutes = float(item["dispatch_minutes"])
                if not minutes > 0:
                    raise CategoryError(f"dispatch limit of urgency {name} must be positive")
                levels[urgency] = UrgencyLevel(urgency, minutes)
            version = int(data.get("version", 0))
        except (KeyError, TypeError) as exc:
            raise CategoryError(f"category file is missing a field: {exc}") from exc
        except ValueError as exc:
            if isinstance(exc, CategoryError):
                raise
            raise CategoryError(f"category file has a bad value: {exc}") from exc
        keys = [c.key for c in subclasses]
        if len(keys) != len(set(keys)):
            raise CategoryError("category file repeats a subclass code")
        if len(class_keys) != len(classes):
            raise CategoryError("category file repeats a class code")
        return cls(classes, subclasses, version=version, urgency_levels=levels)

    @classmethod
    def load(cls, path: str | Path) -> CategoryTree:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CategoryError(f"cannot read category file {path}: {exc}") from exc
        return cls.from_dict(data)
