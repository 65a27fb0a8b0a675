"""One operator's session at a workstation: store, sync, desk, window.

Threading: UI thread, inside the qasync event loop.  Signing in runs the
HTTP call on the sync worker; when the server cannot be reached an operator
who signed in here before may unlock offline.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.services.desk import CaseDesk
from app.store.replica import LocalStore
from app.sync.driver import SyncDriver
from app.sync.engine import NETWORK_ERRORS, AuthError, ProtocolError, SyncEngine


class SignInError(Exception):
    """Sign-in failed; the message says why, for the operator."""


def default_workstation() -> str:
    return socket.gethostname().split(".")[0][:24] or "WS"


def default_store_path(workstation: str) -> Path:
    return Path.home() / ".local" / "share" / "griddesk" / f"{workstation}.db"


@dataclass
class ClientConfig:
    server_url: str = "http://127.0.0.1:8808"
    store_path: Path | None = None
    workstation: str = ""

    def __post_init__(self) -> None:
        self.workstation = self.workstation or default_workstation()
        self.store_path = Path(self.store_path) if self.store_path else default_store_path(self.workstation)


class ClientSession:
    def __init__(self, config: ClientConfig):
        self.config = config
        assert config.store_path is not None
        self.store = LocalStore(config.store_path)
        self.engine = SyncEngine(config.store_path, config.server_url, config.workstation)
        self.driver = SyncDriver(self.engine)
        self.user: dict[str, Any] | None = None
        self.offline_sign_in = False
        self.desk: CaseDesk | None = None

    async def sign_in(self, username: str, password: str) -> dict[str, Any]:
        try:
            user = await self.driver.worker.run(self.engine.login, username, password)
        except AuthError as exc:
            raise SignInError(str(exc)) from exc
        except (*NETWORK_ERRORS, ProtocolError):
            maybe_user = await self.driver.worker.run(self.engine.offline_login, username, password)
            if maybe_user is None:
                raise SignInError("server unreachable, and this user has not signed in here before "
                                  "with this password") from None
            self.offline_sign_in = True
            user = maybe_user
        self.user = user
        self.desk = CaseDesk(self.store, self.config.workstation, user, on_queued=self.driver.wake)
        return user

    async def server_reachable(self) -> bool:
        """For the sign-in dialog: can the server be reached right now?"""
        try:
            await self.driver.worker.run(self.engine.health)
        except (*NETWORK_ERRORS, ProtocolError, AuthError):
            return False
        return True

    async def known_operators(self) -> list[dict[str, Any]]:
        """Operators who signed in on this workstation before: they can
        unlock it during an outage."""
        return await self.driver.worker.run(self.engine.known_operators)

    def start_sync(self) -> None:
        self.driver.start()

    async def close(self) -> None:
        await self.driver.stop()
        self.store.close()
