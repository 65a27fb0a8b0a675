"""A cheap, order-free checksum of a table, computed the same way by the
server over its rows and by a workstation over its replica.

Each row's values (in the column order both sides agree on) are encoded
canonically and hashed to 64 bits; a table's checksum is the sum of its row
hashes modulo 2**64, so neither side needs to sort and a row counted twice
or missed shows.  Canonical numbers: an integral float and the int of the
same value encode alike (SQLite and PostgreSQL may hand back either for a
REAL column that received an integer), other floats by ``repr``.

Pure: no database, no network.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

_MASK = (1 << 64) - 1
_SEP = "\x1f"
_NULL = "\x00"


def _encode(value: Any) -> str:
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def row_hash(values: Sequence[Any]) -> int:
    text = _SEP.join(_encode(v) for v in values)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


@dataclass(frozen=True)
class TableSum:
    rows: int
    checksum: str  # 16 hex digits

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "checksum": self.checksum}


def table_sum(rows: Iterable[Sequence[Any]]) -> TableSum:
    total = 0
    count = 0
    for values in rows:
        total = (total + row_hash(values)) & _MASK
        count += 1
    return TableSum(count, f"{total:016x}")
