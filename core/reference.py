"""Reference data the server and every workstation must share: the category
tree and the working-time calendar.

The server publishes each as a ``reference`` change in the change feed when
its file changes, so a workstation always has the categories and calendar of
the cases it receives, in order, and offline too.  A version is the file's
own ``version`` and a hash of its content: editing the file without bumping
the number still gives a new version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from core.categories import CategoryError, CategoryTree
from core.resources import resource
from core.worktime import CalendarError, WorkCalendar

NAMES = ("categories", "calendar")


class BadReference(ValueError):
    """Reference data that cannot be used."""


@dataclass(frozen=True)
class ReferenceItem:
    name: str  # "categories" or "calendar"
    version: str
    data: dict[str, Any]

    def to_change(self) -> dict[str, Any]:
        """The change feed's row: the data travels as JSON text."""
        return {"name": self.name, "version": self.version,
                "data": json.dumps(self.data, ensure_ascii=False, sort_keys=True)}

    @classmethod
    def from_change(cls, row: dict[str, Any]) -> ReferenceItem:
        try:
            name, version = str(row["name"]), str(row["version"])
            data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
        except (KeyError, TypeError, ValueError) as exc:
            raise BadReference(f"reference change is malformed: {exc}") from exc
        if name not in NAMES or not isinstance(data, dict):
            raise BadReference(f"unknown reference {name!r}")
        item = cls(name, version, data)
        item.validate()
        return item

    def validate(self) -> None:
        try:
            if self.name == "categories":
                CategoryTree.from_dict(self.data)
            else:
                WorkCalendar.from_dict(self.data)
        except (CategoryError, CalendarError) as exc:
            raise BadReference(f"{self.name} {self.version}: {exc}") from exc


def version_of(data: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return f"{data.get('version', 0)}-{digest.hexdigest()[:12]}"


def load_file(name: str) -> ReferenceItem:
    """The shipped (or the city's edited) file, checked."""
    if name not in NAMES:
        raise BadReference(f"unknown reference {name!r}")
    path = resource(f"{name}.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BadReference(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise BadReference(f"{path} is not a JSON object")
    item = ReferenceItem(name, version_of(data), data)
    item.validate()
    return item
