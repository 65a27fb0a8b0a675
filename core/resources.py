"""Where the shipped data files live (categories, districts, fonts, translations)."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)


def load_categories():  # -> CategoryTree; imported lazily to keep this module trivial
    from core.categories import CategoryTree

    return CategoryTree.load(resource("categories.json"))


def load_calendar():  # -> WorkCalendar: office hours and overrides from resources/calendar.json
    from core.worktime import WorkCalendar

    return WorkCalendar.from_file(resource("calendar.json"))
