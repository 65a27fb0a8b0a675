"""The demo's inputs: the names file (resources/demo/names.json) and the
district outline, checked before anything is generated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.cellcode import CellCode, CellCodeError
from core.geo import (
    District,
    GeoJSONError,
    parse_district_geojson,
)
from core.resources import resource
from server.demo.model import DemoError


def load_names(path: str | Path | None = None) -> dict[str, Any]:
    target = Path(path) if path else resource("demo", "names.json")
    try:
        names = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DemoError(f"cannot read the demo names file {target}: {exc}") from exc
    for key in ("departments", "dispatch_overrides", "street_office", "users", "department_user", "districts",
                "default_district", "community_names", "vehicles", "case_mix",
                "address_templates", "return_reasons", "rework_reasons", "descriptions"):
        if key not in names:
            raise DemoError(f"the demo names file {target} has no {key!r} section")
    return names


def check_district_code(code: str) -> str:
    """``code`` if it is a 6-digit GB/T 2260 district code, else DemoError."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise DemoError(f"{code!r} is not a 6-digit district code (GB/T 2260, e.g. 110101)")
    try:
        CellCode.build(code, 1, 1, 1)
    except CellCodeError as exc:
        raise DemoError(f"{code!r} is not a district code: {exc}") from exc
    return code


def district_code_from_path(path: str | Path) -> str:
    """The district code a district file is named after (110101.geojson)."""
    name = Path(path).name
    try:
        return check_district_code(name.split(".")[0])
    except DemoError as exc:
        raise DemoError(f"{name}: the file must be named after its district code "
                        f"(e.g. 110101.geojson), or pass --district: {exc}") from exc


def read_district(path: str | Path) -> District:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DemoError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return parse_district_geojson(raw)
    except GeoJSONError as exc:
        raise DemoError(f"{path}: malformed district outline: {exc}") from exc


__all__ = ["check_district_code", "district_code_from_path", "load_names", "read_district"]
