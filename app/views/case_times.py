"""How the case pane writes times and spans: deadlines, timeline stamps, "2 h 05 min".

The words keep the "CasePane" translation context they had inside the pane.

Threading: any thread (pure string work; translate() is thread-safe).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

__all__ = ["short_time", "span", "stamp"]


def short_time(iso: str | None) -> str:
    """Year-month-day hour:minute of an ISO time, or "" for none."""
    return iso.replace("T", " ")[:16] if iso else ""


def stamp(iso: str) -> str:
    """A timeline time: month-day hour:minute (the year is the case's)."""
    return iso.replace("T", " ")[5:16]


def span(seconds: float) -> str:
    """A duration in whole minutes, hours and days, sign dropped."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        text = QCoreApplication.translate("CasePane", "%1 d %2 h")
        return text.replace("%1", str(days)).replace("%2", str(hours))
    if hours:
        text = QCoreApplication.translate("CasePane", "%1 h %2 min")
        return text.replace("%1", str(hours)).replace("%2", f"{mins:02d}")
    return QCoreApplication.translate("CasePane", "%1 min").replace("%1", str(mins))
