"""``python -m server.demo DISTRICT.geojson``: validate, generate, then write.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from core.resources import load_categories
from core.timeutil import from_iso
from core.worktime import WorkCalendar
from server.demo.generate import generate
from server.demo.inputs import (
    check_district_code,
    district_code_from_path,
    load_names,
    read_district,
)
from server.demo.model import DEFAULT_DB, EXIT_BAD_INPUT, DemoData, DemoError, DemoOptions
from server.demo.writing import ensure_sqlite_folder, existing_content, write
from server.storage.store import ServerStore


def run(geojson: str | Path, db_url: str = DEFAULT_DB, options: DemoOptions | None = None, *,
        district_code: str | None = None, names_path: str | Path | None = None) -> DemoData:
    """Validate, generate, then write.  Raises DemoError and writes nothing
    when the outline is malformed or the database already holds a district."""
    options = options or DemoOptions()
    code = check_district_code(district_code) if district_code else district_code_from_path(geojson)
    district = read_district(geojson)
    names = load_names(names_path)
    categories = load_categories()
    calendar = WorkCalendar()
    data = generate(district, code, names, categories, calendar, options)
    try:
        ensure_sqlite_folder(db_url)
    except OSError as exc:
        raise DemoError(f"cannot create the database folder for {db_url}: {exc}") from exc
    try:
        store = ServerStore(db_url, categories=categories, calendar=calendar)
    except SQLAlchemyError as exc:
        raise DemoError(f"cannot open the database {db_url}: {exc}") from exc
    try:
        present = existing_content(store)
        if present:
            listing = ", ".join(f"{n} {table}" for table, n in present.items())
            raise DemoError(f"{db_url} already holds a district ({listing}); the demo only fills "
                            "an empty database, nothing was written")
        write(store, data)
    finally:
        store.close()
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.demo",
                                     description="Fill an empty GridDesk server database with a demo district.")
    parser.add_argument("geojson", help="district outline, GeoJSON in lon/lat (GCJ-02), named CODE.geojson")
    parser.add_argument("--db", default=DEFAULT_DB, help=f"SQLAlchemy URL (default {DEFAULT_DB})")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--closed", type=int, default=2000, help="closed cases in the history")
    parser.add_argument("--open", type=int, default=150, help="open cases")
    parser.add_argument("--vehicles", type=int, default=120)
    parser.add_argument("--district", help="6-digit district code, if the file is not named after it")
    parser.add_argument("--now", help="end of the history, ISO 8601 with offset (default: now)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        now = from_iso(args.now) if args.now else None
    except ValueError as exc:
        print(f"server.demo: error: --now: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    options = DemoOptions(seed=args.seed, closed=args.closed, open=args.open,
                          vehicles=args.vehicles, now=now)
    try:
        data = run(args.geojson, args.db, options, district_code=args.district)
    except DemoError as exc:
        print(f"server.demo: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{data.summary()} in {time.perf_counter() - started:.1f} s -> {args.db}")
    return 0


__all__ = ["main", "run"]
