"""Password hashes: the server's user table and the offline sign-in verifier."""

from __future__ import annotations

import hashlib

import pytest

from core.passwords import PASSWORD_ITERATIONS, hash_password, verify_password


def test_a_hash_verifies_its_password_and_no_other():
    stored = hash_password("城管demo")
    assert verify_password("城管demo", stored)
    assert not verify_password("城管Demo", stored)
    assert not verify_password("", stored)
    assert not verify_password("城管demo ", stored)


def test_the_stored_form_names_scheme_rounds_salt_and_digest():
    stored = hash_password("demo", salt="abc123")
    algo, rounds, salt, digest = stored.split("$")
    assert (algo, int(rounds), salt) == ("pbkdf2_sha256", PASSWORD_ITERATIONS, "abc123")
    # The digest is PBKDF2-SHA256 itself, so another implementation can check it.
    assert digest == hashlib.pbkdf2_hmac("sha256", b"demo", b"abc123", PASSWORD_ITERATIONS).hex()


def test_each_hash_gets_its_own_salt():
    first, second = hash_password("demo"), hash_password("demo")
    assert first != second
    assert first.split("$")[2] != second.split("$")[2]
    assert verify_password("demo", first) and verify_password("demo", second)


def test_the_same_salt_gives_the_same_hash():
    assert hash_password("demo", salt="s1") == hash_password("demo", salt="s1")
    assert hash_password("demo", salt="s1") != hash_password("demo", salt="s2")


def test_the_rounds_written_in_the_hash_are_the_ones_used():
    # A hash made with fewer rounds (an older setting) still verifies.
    digest = hashlib.pbkdf2_hmac("sha256", b"demo", b"old", 1000).hex()
    assert verify_password("demo", f"pbkdf2_sha256$1000$old${digest}")
    assert not verify_password("demo", f"pbkdf2_sha256$1001$old${digest}")


def test_a_salt_with_the_separator_is_refused():
    # "$" separates the fields: such a hash would never verify again.
    with pytest.raises(ValueError, match="salt"):
        hash_password("demo", salt="a$b")


@pytest.mark.parametrize("stored", [
    "",
    "not a hash",
    "pbkdf2_sha256$60000$salt",  # a field missing
    "pbkdf2_sha256$60000$salt$digest$extra",
    "pbkdf2_sha256$many$salt$00",  # rounds not a number
    "pbkdf2_sha256$0$salt$00",  # pbkdf2 refuses zero rounds
    "pbkdf2_sha256$-5$salt$00",
    "pbkdf2_sha256$1$salt$摘要",  # compare_digest refuses non-ASCII str
])
def test_a_damaged_stored_hash_never_verifies_and_never_raises(stored):
    assert verify_password("demo", stored) is False


def test_another_scheme_with_the_right_digest_is_not_taken_for_pbkdf2():
    good = hash_password("demo", salt="s")
    assert not verify_password("demo", good.replace("pbkdf2_sha256", "md5", 1))
