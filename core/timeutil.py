"""District time.

Chinese districts run on China Standard Time (UTC+8, no daylight saving).
Timestamps travel and are stored as ISO 8601 strings in one fixed format,
``YYYY-MM-DDTHH:MM:SS+08:00``, so that they sort correctly as text in SQL on
both SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

CST = timezone(timedelta(hours=8), "CST")


def now_cst() -> datetime:
    return datetime.now(CST).replace(microsecond=0)


def to_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: district times must carry a time zone")
    return moment.astimezone(CST).replace(microsecond=0).isoformat()


def from_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {text!r}")
    return moment.astimezone(CST)


def now_iso() -> str:
    return to_iso(now_cst())
