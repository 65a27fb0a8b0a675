"""The dependency rules of DESIGN.md.

The import arrows are import-linter contracts in pyproject.toml, run by
``make test`` (``lint-imports``); the first test here proves that those
contracts fail on a violation.  What an import graph cannot see — reaching
into another object's private state to get round a ban (``driver.engine``,
``getattr(engine, "_credentials")``) — is checked on the source.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory):
    """The packages and pyproject.toml, copied so a violation can be planted."""
    dst = tmp_path_factory.mktemp("tree")
    for package in ("core", "app", "server", "dbschema"):
        shutil.copytree(ROOT / package, dst / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", dst / "pyproject.toml")
    return dst


def test_the_contracts_hold_on_the_tree_as_it_is(tree_copy):
    result = _lint_imports(tree_copy)
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.mark.parametrize("path, planted, contract", [
    ("app/views/status.py", "import requests", "views do no SQL and no HTTP"),
    ("app/views/status.py", "from app.net import client", "views do no SQL and no HTTP"),
    ("app/services/desk.py", "from PySide6 import QtCore", "store and services import no Qt"),
    ("app/store/replica.py", "from app.services import desk", "the client's layers point one way"),
    ("core/cases.py", "import sqlalchemy", "core is pure"),
    ("server/api/app.py", "import sqlalchemy", "server.api speaks HTTP only"),
    ("app/sync/engine.py", "import server.storage", "the client and the server share only"),
])
def test_a_planted_violation_fails_the_build(tree_copy, path, planted, contract):
    target = tree_copy / path
    original = target.read_text(encoding="utf-8")
    target.write_text(original + f"\n{planted}  # planted by the test\n", encoding="utf-8")
    try:
        result = _lint_imports(tree_copy)
    finally:
        target.write_text(original, encoding="utf-8")
    assert result.returncode != 0, result.stdout[-2000:]
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout[-3000:]


def files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _views_and_services() -> list[Path]:
    return sorted(p for d in ("app/views", "app/services", "app/store") for p in (ROOT / d).rglob("*.py"))


def test_nothing_reaches_round_the_network_client():
    """No view, service or store gets at the sync engine, the server client's
    credentials or any other object's private state by attribute."""
    bad = []
    for path in _views_and_services():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("engine", "_credentials", "client") \
                    and isinstance(node.value, ast.Attribute | ast.Name) \
                    and getattr(node.value, "attr", getattr(node.value, "id", "")) in ("driver", "session"):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "getattr" and len(node.args) >= 2 \
                    and isinstance(node.args[1], ast.Constant) and str(node.args[1].value).startswith("_"):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} getattr(…, {node.args[1].value!r})")
            if isinstance(node, ast.Attribute) and node.attr == "_credentials":
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} ._credentials")
    assert bad == []


def test_only_main_starts_the_views():
    """Nothing but main.py (and the tests) imports the views: checked by the
    layers contract for app/, here for the server and core too."""
    bad = []
    for package in ("server", "core", "dbschema", "benchmarks"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                bad += [f"{path.relative_to(ROOT)} imports {n}" for n in names if n.startswith("app.views")]
    assert bad == [] or all(p.startswith("benchmarks") for p in bad), bad


# What only the composition root (app/session.py) builds.
BUILT_ONCE = ("ServerClient", "SyncEngine", "SyncDriver", "VehicleLink", "VehicleDriver", "AttachmentTransport",
              "AttachmentService", "LocalStore", "Worker", "Background", "ChangeBus")
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
