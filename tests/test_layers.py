"""The dependency rules of DESIGN.md, enforced on the source.

core/ imports no Qt, no SQLAlchemy, no requests, no server or app code;
views do no SQL and no HTTP; nothing but main.py imports the views; the
client and the server never import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in files(package):
        for name in imports_of(path):
            if name.split(".")[0] in forbidden or any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


def test_core_is_pure():
    assert files("core"), "core/ must exist"
    assert offenders("core", ("PySide6", "pyqtgraph", "sqlalchemy", "requests", "fastapi", "uvicorn",
                              "psycopg", "app", "server", "qasync")) == []


def test_views_do_no_sql_or_http():
    assert offenders("app/views", ("sqlalchemy", "sqlite3", "requests", "httpx", "app.net",
                                   "app.sync.engine", "server")) == []


def test_only_main_imports_views():
    bad = [p for p in files("app") + files("server") + files("core")
           if "app/views" not in str(p) and any(n.startswith("app.views") for n in imports_of(p))]
    assert bad == []


@pytest.mark.parametrize("side, other", [("app", "server"), ("server", "app")])
def test_client_and_server_share_only_core(side, other):
    assert offenders(side, (other,)) == []


def test_network_code_has_one_home_in_the_client():
    bad = [str(p.relative_to(ROOT)) for p in files("app")
           if "requests" in {n.split(".")[0] for n in imports_of(p)}
           and p.parent.name not in ("sync", "net") and p.name != "session.py"]
    assert bad == []


# What only the composition root (app/runtime/session.py) builds.
BUILT_ONCE = ("ServerClient", "SyncEngine", "SyncDriver", "VehicleLink", "VehicleDriver", "AttachmentTransport",
              "AttachmentService", "LocalStore", "Worker", "BackgroundCounter", "ReplayJobs")
# The tile provider's workers: the one background API (issue 10) replaces them.
BUILT_IN_VIEWS_FOR_NOW = {("app/views/map/tiles.py", "Worker")}


def test_no_view_builds_a_client_a_worker_or_a_store():
    bad = []
    for path in files("app/views"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                where = str(path.relative_to(ROOT))
                if name in BUILT_ONCE and (where, name) not in BUILT_IN_VIEWS_FOR_NOW:
                    bad.append(f"{where}:{node.lineno} builds {name}")
    assert bad == []


def test_nobody_reaches_into_the_engine_or_the_credentials():
    bad = []
    for path in files("app") + [ROOT / "main.py"]:
        text = path.read_text(encoding="utf-8")
        bad += [f"{path.relative_to(ROOT)}: {word}" for word in ("_credentials", "driver.engine") if word in text]
    assert bad == []
