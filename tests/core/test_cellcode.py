from __future__ import annotations

import pytest

from core.cellcode import CellCode, CellCodeError


def test_beijing_15_and_national_14_digit_codes():
    code = CellCode.parse("110101001002003")
    assert (code.district, code.street, code.community, code.sequence) == ("110101", "001", "002", "003")
    assert code.street_code == "110101001" and code.community_code == "110101001002"
    assert str(CellCode.parse("36070210100201")) == "36070210100201"
    assert CellCode.parse("36070210100201").street_kind == "town"


@pytest.mark.parametrize("bad", ["", "11010100100200", "1101010010020031", "11010100100200a",
                                 "110101401002003", "000000001002003", "110101001002000",
                                 "１１０１０１００１００２００３"])
def test_invalid_codes_rejected(bad):
    with pytest.raises(CellCodeError):
        CellCode.parse(bad)


def test_build():
    assert str(CellCode.build("110101", 1, 2, 3)) == "110101001002003"
    assert str(CellCode.build("110101", 1, 2, 3, digits=14)) == "11010100100203"
    with pytest.raises(CellCodeError):
        CellCode.build("110101", 1, 2, 1000)
