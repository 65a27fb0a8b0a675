"""Unit grid cell codes (单元网格编码).

National rule CJ/T 213: 14 digits = 6 district (GB/T 2260) + 3 street
+ 3 community + 2 cell sequence.  Beijing DB11/T 2157-2023: 15 digits with a
3-digit cell sequence.  The first street digit says what kind of unit it is:
0 street (街道), 1 town (镇), 2-3 township (乡).
"""

from __future__ import annotations

from dataclasses import dataclass


class CellCodeError(ValueError):
    """A code that is not a valid 14- or 15-digit cell code."""


@dataclass(frozen=True, order=True)
class CellCode:
    district: str
    street: str
    community: str
    sequence: str

    @classmethod
    def parse(cls, text: str) -> CellCode:
        code = text.strip()
        if not code.isascii() or not code.isdigit():
            raise CellCodeError(f"cell code must be digits only: {text!r}")
        if len(code) not in (14, 15):
            raise CellCodeError(f"cell code must have 14 or 15 digits, not {len(code)}: {text!r}")
        district, street, community, sequence = code[:6], code[6:9], code[9:12], code[12:]
        if district[:2] in ("00",) or district[2:] == "0000":
            raise CellCodeError(f"not a district (GB/T 2260) prefix: {district}")
        if street[0] not in "0123":
            raise CellCodeError(f"street code must start with 0-3, not {street[0]}: {text!r}")
        if int(sequence) == 0:
            raise CellCodeError(f"cell sequence 0 is not allowed: {text!r}")
        return cls(district, street, community, sequence)

    @classmethod
    def build(cls, district: str, street: int, community: int, sequence: int, *, digits: int = 15) -> CellCode:
        width = digits - 12
        if width not in (2, 3):
            raise CellCodeError("cell codes have 14 or 15 digits")
        if not 1 <= sequence < 10**width:
            raise CellCodeError(f"cell sequence {sequence} does not fit {width} digits")
        return cls.parse(f"{district}{street:03d}{community:03d}{sequence:0{width}d}")

    @property
    def street_code(self) -> str:
        return self.district + self.street

    @property
    def community_code(self) -> str:
        return self.district + self.street + self.community

    @property
    def street_kind(self) -> str:
        """'street', 'town' or 'township' from the first street digit."""
        return {"0": "street", "1": "town"}.get(self.street[0], "township")

    def __str__(self) -> str:
        return self.district + self.street + self.community + self.sequence
