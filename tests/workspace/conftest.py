"""Fixtures for workspace tests: git isolated from the machine's configuration, and helpers that
act like a person at another terminal using plain ``git``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitops_tui.workspace import Workspace, init

AUTHOR = "Ada Lovelace"
EMAIL = "ada@example.test"


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No global or system git config, a fixed identity, and no state under the real home."""
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", AUTHOR)
        monkeypatch.setenv(f"GIT_{role}_EMAIL", EMAIL)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.delenv("GITOPS_TUI_STATE_DIR", raising=False)


def git(cwd: Path, *args: str) -> str:
    """Plain ``git``, as a person would run it in another terminal."""
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=30
    )
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def sandbox(tmp_path: Path, state_dir: Path) -> Workspace:
    """A fresh sandbox seeded with the example app."""
    return init(tmp_path / "app", state_dir).workspace


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def config_map(name: str, value: str) -> str:
    return (
        "apiVersion: v1\nkind: ConfigMap\n"
        f"metadata:\n  name: {name}\n  namespace: shop\ndata:\n  value: {value!r}\n"
    )


def add_to_base(app: Path, name: str, text: str) -> None:
    """Write ``base/NAME`` and list it in the base kustomization, so the overlay deploys it."""
    write(app / "base" / name, text)
    kustomization = app / "base" / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + f"  - {name}\n")
