"""The order-free table checksum that the server and a workstation compare."""

from __future__ import annotations

import hashlib
import itertools

from core.integrity import TableSum, row_hash, table_sum

ROWS = [
    (1, "环卫", 114.93, None),
    (2, "园林", 114.94, "2026-11-21T10:00:00+08:00"),
    (3, "市政", 115.0, "x"),
]


def test_an_empty_table():
    assert table_sum([]) == TableSum(0, "0" * 16)
    assert table_sum([]).to_dict() == {"rows": 0, "checksum": "0000000000000000"}


def test_the_checksum_is_sixteen_hex_digits_and_counts_rows():
    total = table_sum(ROWS)
    assert total.rows == 3
    assert len(total.checksum) == 16 and int(total.checksum, 16) >= 0
    assert total.to_dict() == {"rows": 3, "checksum": total.checksum}


def test_the_row_hash_is_blake2b_of_the_canonical_text():
    # Pinned, so that server and workstation (possibly at different versions)
    # keep computing the same thing: fields joined by \x1f, NULL as \x00,
    # an integral float as its integer, a bool as 0/1.
    text = "\x1f".join(["7", "环卫", "1", "0.5", "\x00", "1"])
    expected = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
    assert row_hash([7, "环卫", 1.0, 0.5, None, True]) == expected


def test_row_order_does_not_matter():
    expected = table_sum(ROWS)
    for order in itertools.permutations(ROWS):
        assert table_sum(order) == expected
    assert table_sum(iter(ROWS)) == expected  # any iterable, read once


def test_the_checksum_is_the_row_hashes_summed_modulo_two_to_the_64():
    rows = [(i, f"行{i}") for i in range(200)]  # the sum wraps many times
    total = sum(row_hash(r) for r in rows)
    assert total >= 1 << 64
    assert table_sum(rows).checksum == f"{total % (1 << 64):016x}"


def test_a_missed_a_doubled_and_a_changed_row_all_show():
    expected = table_sum(ROWS)
    assert table_sum(ROWS[:2]) != expected
    doubled = table_sum([*ROWS, ROWS[0]])
    assert doubled.rows == 4 and doubled.checksum != expected.checksum
    changed = [ROWS[0], (2, "园林", 114.95, ROWS[1][3]), ROWS[2]]
    assert table_sum(changed).rows == 3 and table_sum(changed).checksum != expected.checksum


def test_values_swapped_between_rows_show():
    assert table_sum([(1, "a"), (2, "b")]) != table_sum([(1, "b"), (2, "a")])


def test_column_order_matters():
    assert row_hash((1, 2)) != row_hash((2, 1))


def test_an_integral_float_and_its_int_hash_alike():
    # SQLite and PostgreSQL may hand back 115 or 115.0 for a REAL column.
    assert row_hash((115.0,)) == row_hash((115,))
    assert row_hash((-0.0,)) == row_hash((0,))
    assert row_hash((1e20,)) == row_hash((10**20,))
    assert row_hash((115.5,)) != row_hash((115,))
    assert row_hash((0.1 + 0.2,)) != row_hash((0.3,))  # other floats exactly, by repr


def test_bools_hash_as_zero_and_one():
    assert row_hash((True, False)) == row_hash((1, 0))


def test_null_differs_from_empty_and_from_the_word_none():
    assert len({row_hash((None,)), row_hash(("",)), row_hash(("None",))}) == 3
    assert row_hash((None, "a")) != row_hash(("a", None))


def test_bytes_hash_as_their_utf8_text():
    assert row_hash(("环卫".encode(),)) == row_hash(("环卫",))
    # Undecodable bytes are replaced, not an error (no replicated column is
    # binary: attachment data does not travel in the feed).
    assert 0 <= row_hash((b"\xff\xfe",)) < 1 << 64
