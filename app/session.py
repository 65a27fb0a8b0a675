"""The composition root: one operator's session at a workstation.

``ClientSession`` builds every service ONCE and hands the main window one
typed object, ``ClientServices``:

- the ``ServerClient`` (app/net/client.py): the one client of the server
  (token, sign-in, the one re-sign-in, timeouts, TLS trust);
- the sync engine and its driver (app/sync), which use that client;
- the live position link (app/sync/live.py), on the same client;
- the attachment service (app/services/attachments.py), on the same client;
- the change bus (app/runtime/bus.py) that every writer publishes on — the
  desk's commands, the sync rounds, the live link, background operations —
  and every view follows;
- the background runner (app/runtime/background.py): queries and operations
  on worker lanes with store connections of their own (queue counts,
  evaluation, replay, the map's layers, attachment transfers);
- the basemap opener (app/runtime/basemaps.py) with the client's TLS trust
  and timeouts bound.

Views take what they need from ``ClientServices``; none of them builds a
network client, a worker or a store.  ``ClientServices.offline(desk)`` is the
same object for a window without a server (tests, screenshots).

Threading: UI thread, inside the qasync event loop.  Signing in runs the
HTTP call on the sync worker; when the server cannot be reached an operator
who signed in here before may unlock offline.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from app.net.attachments import AttachmentTransport
from app.net.client import AuthError, NetworkError, ProtocolError, ServerClient, Timeouts, Trust
from app.runtime.background import Background
from app.runtime.basemaps import BasemapOpener, open_source
from app.runtime.bus import ChangeBus
from app.services.attachments import AttachmentService
from app.services.desk import CaseDesk
from app.store.replica import LocalStore
from app.sync.driver import SyncDriver
from app.sync.engine import SyncEngine
from app.sync.live import VehicleDriver, VehicleLink
from core.problems import ProblemError


class SignInError(ProblemError):
    """Sign-in failed; ``problem`` says why (the views translate it by code):
    ``sign_in_refused`` (the server said no), ``offline_unknown`` (the server
    cannot be reached and this password never unlocked this workstation)."""


def default_workstation() -> str:
    return socket.gethostname().split(".")[0][:24] or "WS"


def default_store_path(workstation: str) -> Path:
    return Path.home() / ".local" / "share" / "griddesk" / f"{workstation}.db"


@dataclass
class ClientConfig:
    server_url: str = "http://127.0.0.1:8808"
    store_path: Path | None = None
    workstation: str = ""
    ca_file: Path | None = None  # HTTPS: a CA of the district's own; None: the system's
    timeouts: Timeouts = field(default_factory=Timeouts)

    def __post_init__(self) -> None:
        self.workstation = self.workstation or default_workstation()
        self.store_path = Path(self.store_path) if self.store_path else default_store_path(self.workstation)


@dataclass(frozen=True)
class ClientServices:
    """Everything the main window and its views use, built once.

    ``driver`` and ``vehicles`` are None for a window without a server."""

    desk: CaseDesk
    bus: ChangeBus
    background: Background
    attachments: AttachmentService
    open_basemap: BasemapOpener
    driver: SyncDriver | None = None
    vehicles: VehicleDriver | None = None

    @property
    def store(self) -> LocalStore:
        return self.desk.store

    @classmethod
    def offline(cls, desk: CaseDesk) -> ClientServices:
        """A window on a replica with no server (tests, screenshots, tools):
        no sync, no live link, attachments from the cache only; the same
        bus and background runner as a signed-in session."""
        bus = ChangeBus()
        return cls(desk=desk, bus=bus, background=_background(desk, bus),
                   attachments=AttachmentService(desk.store, None), open_basemap=open_source)

    def wake_sync(self) -> None:
        """Ask for a round now (a command was queued, the operator asked)."""
        if self.driver is not None:
            self.driver.wake()

    async def close(self) -> None:
        """Stop the services the session started (UI thread)."""
        if self.vehicles is not None:
            self.vehicles.stop()
        self.attachments.shutdown()
        self.background.close()


def _background(desk: CaseDesk, bus: ChangeBus) -> Background:
    """The runner for ``desk``'s store, publishing on ``bus``; the desk's own
    commands go onto the same bus."""
    if desk.on_change is None:
        desk.on_change = lambda summary: bus.publish(summary, desk)
    return Background(desk.store.path, bus)


class ClientSession:
    def __init__(self, config: ClientConfig):
        self.config = config
        assert config.store_path is not None
        self.store = LocalStore(config.store_path)
        self.client = ServerClient(config.server_url, config.workstation, timeouts=config.timeouts,
                                   trust=Trust(ca_file=config.ca_file))
        self.engine = SyncEngine(config.store_path, self.client)
        self.driver = SyncDriver(self.engine)
        self.user: dict[str, Any] | None = None
        self.offline_sign_in = False
        self.desk: CaseDesk | None = None
        self._services: ClientServices | None = None

    @property
    def services(self) -> ClientServices:
        """What the main window is built from (after ``sign_in``)."""
        if self._services is None:
            raise RuntimeError("sign in first: the services are built for the signed-in operator")
        return self._services

    async def sign_in(self, username: str, password: str) -> dict[str, Any]:
        try:
            user = await self.driver.worker.run(self.engine.login, username, password)
        except AuthError as exc:
            raise SignInError(exc.code, str(exc), **exc.params) from exc
        except (NetworkError, ProtocolError) as exc:
            maybe_user = await self.driver.worker.run(self.engine.offline_login, username, password)
            if maybe_user is None:
                raise SignInError("offline_unknown", f"server unreachable ({exc}), and this user has not "
                                  "signed in here before with this password", user=username) from None
            self.offline_sign_in = True
            user = maybe_user
        self.user = user
        self.desk = CaseDesk(self.store, self.config.workstation, user, on_queued=self.driver.wake)
        self._services = self._build(self.desk)
        return user

    def _build(self, desk: CaseDesk) -> ClientServices:
        assert self.config.store_path is not None
        bus = ChangeBus()
        vehicles = VehicleDriver(VehicleLink(self.config.store_path, self.client))
        # Every writer publishes on the one bus, with itself as the initiator.
        bus.follow(self.driver.storeChanged, self.driver)
        bus.follow(vehicles.storeChanged, vehicles)
        return ClientServices(
            desk=desk,
            bus=bus,
            background=_background(desk, bus),
            attachments=AttachmentService(self.store, AttachmentTransport(self.client)),
            open_basemap=partial(open_source, client=self.client),
            driver=self.driver,
            vehicles=vehicles,
        )

    async def server_reachable(self) -> bool:
        """For the sign-in dialog: can the server be reached right now?"""
        try:
            await self.driver.worker.run(self.engine.health)
        except (NetworkError, ProtocolError, AuthError):
            return False
        return True

    async def known_operators(self) -> list[dict[str, Any]]:
        """Operators who signed in on this workstation before: they can
        unlock it during an outage."""
        return await self.driver.worker.run(self.engine.known_operators)

    def start_sync(self) -> None:
        """Start the sync rounds and the live link (once the window shows)."""
        self.driver.start()
        if self._services is not None and self._services.vehicles is not None:
            self._services.vehicles.start()

    async def close(self) -> None:
        # The writers stop first: a sync round still delivering its summary
        # would have the views ask a closed background runner for a re-read.
        await self.driver.stop()
        if self._services is not None:
            await self._services.close()
        self.client.close()
        self.store.close()
