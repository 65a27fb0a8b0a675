"""Who may unlock this workstation without the server: the offline verifier.

An operator who signed in here against the server leaves two rows in the
replica's state table: ``user:<name>`` (the server's description of them)
and ``offline_login:<name>`` (a salted hash of the password).  During an
outage the same name and password unlock the workstation; commands still go
to the server, which checks them (and the password) when it is back.  A
password the server refuses stops unlocking the workstation at once.

Threading: blocking; used on the sync worker's thread with its store.
"""

from __future__ import annotations

import json
from typing import Any

from app.store.ledger import OutboxLedger
from app.store.replica import LocalStore
from core.passwords import hash_password, verify_password


class OfflineVerifier:
    def __init__(self, store: LocalStore):
        self.store = store

    def remember(self, username: str, password: str, user: dict[str, Any]) -> None:
        """After the server accepted the password: it may unlock offline."""
        self.store.set_state(f"user:{username}", json.dumps(user, ensure_ascii=False))
        self.store.set_state(f"offline_login:{username}", hash_password(password))

    def check(self, username: str, password: str) -> dict[str, Any] | None:
        """The operator as last described by the server, if this password
        unlocked this workstation before; else None."""
        verifier = self.store.get_state(f"offline_login:{username}")
        known = self.store.get_state(f"user:{username}")
        if not verifier or not known or not verify_password(password, verifier):
            return None
        return dict(json.loads(known))

    def revoke(self, username: str) -> None:
        """The server refused the password (changed or revoked centrally)."""
        self.store.set_state(f"offline_login:{username}", "")

    def known_operators(self) -> list[dict[str, Any]]:
        """Operators who may unlock this workstation offline (signed in here before)."""
        out = []
        for key, value in OutboxLedger(self.store).states_with_prefix("user:").items():
            username = key.removeprefix("user:")
            if self.store.get_state(f"offline_login:{username}"):
                out.append(json.loads(value))
        return sorted(out, key=lambda u: u.get("username", ""))
