"""``status`` and ``commit``: only manifest files are committed unless others are asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_tui.workspace import (
    ChangeKind,
    FileChange,
    NothingToCommit,
    Workspace,
    WorkspaceError,
)

from .conftest import config_map, git, write


def make_changes(app: Path) -> None:
    """One manifest of each change kind, plus files gitops-tui must leave alone."""
    deployment = app / "base" / "api-deployment.yaml"
    deployment.write_text(deployment.read_text().replace("6.7.0", "6.7.2"))
    write(app / "base" / "staged.yaml", config_map("staged", "s"))
    git(app, "add", "base/staged.yaml")
    (app / "base" / "cleanup-cronjob.yaml").unlink()
    write(app / "base" / "extra-config.yaml", config_map("extra", "1"))
    write(app / "notes.txt", "my notes\n")
    readme = app / "README.md"
    readme.write_text(readme.read_text() + "\nA local note.\n")
    git(app, "add", "README.md")


def test_status_lists_manifest_changes_by_kind(sandbox: Workspace) -> None:
    make_changes(sandbox.path)

    status = sandbox.status()

    assert status.changes == (
        FileChange("base/api-deployment.yaml", ChangeKind.MODIFIED),
        FileChange("base/cleanup-cronjob.yaml", ChangeKind.DELETED),
        FileChange("base/extra-config.yaml", ChangeKind.UNTRACKED),
        FileChange("base/staged.yaml", ChangeKind.ADDED),
    )
    assert (status.branch, status.current_branch) == ("main", "main")
    assert status.head == status.deployed == sandbox.deployed_revision()
    assert (status.ahead, status.behind) == (0, 0)


def test_commit_takes_manifests_only_and_pushes(sandbox: Workspace) -> None:
    app = sandbox.path
    make_changes(app)

    result = sandbox.commit("Bump the api, add config, drop the cron job")

    assert result.files == (
        "base/api-deployment.yaml",
        "base/cleanup-cronjob.yaml",
        "base/extra-config.yaml",
        "base/staged.yaml",
    )
    assert result.commit == git(app, "rev-parse", "HEAD")
    assert result.pushed == 1
    assert sandbox.deployed_revision() == result.commit
    changed = git(app, "show", "--name-status", "--format=", "HEAD").splitlines()
    assert changed == [
        "M\tbase/api-deployment.yaml",
        "D\tbase/cleanup-cronjob.yaml",
        "A\tbase/extra-config.yaml",
        "A\tbase/staged.yaml",
    ]
    # The unrelated staged change stays staged, the untracked note untracked.
    assert git(app, "status", "--porcelain").splitlines() == ["M  README.md", "?? notes.txt"]
    assert sandbox.status().clean


def test_commit_of_named_paths_may_include_other_files(sandbox: Workspace) -> None:
    app = sandbox.path
    make_changes(app)

    result = sandbox.commit(
        "Notes and the new config", ["notes.txt", app / "base" / "extra-config.yaml"]
    )

    assert result.files == ("base/extra-config.yaml", "notes.txt")
    assert git(app, "show", "--name-only", "--format=", "HEAD").splitlines() == [
        "base/extra-config.yaml",
        "notes.txt",
    ]
    assert [c.path for c in sandbox.status().changes] == [
        "base/api-deployment.yaml",
        "base/cleanup-cronjob.yaml",
        "base/staged.yaml",
    ]


def test_commit_of_a_directory_takes_every_change_under_it(sandbox: Workspace) -> None:
    make_changes(sandbox.path)
    result = sandbox.commit("Everything in base", ["base"])
    assert result.files == (
        "base/api-deployment.yaml",
        "base/cleanup-cronjob.yaml",
        "base/extra-config.yaml",
        "base/staged.yaml",
    )


def test_paths_outside_the_tree_are_refused(sandbox: Workspace, tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="outside the working tree"):
        sandbox.commit("nope", [tmp_path / "elsewhere.yaml"])


def test_nothing_to_commit(sandbox: Workspace) -> None:
    write(sandbox.path / "notes.txt", "not a manifest\n")
    with pytest.raises(NothingToCommit, match="nothing to commit"):
        sandbox.commit("nothing")


def test_an_empty_message_is_refused(sandbox: Workspace) -> None:
    write(sandbox.path / "base" / "new.yaml", config_map("new", "1"))
    with pytest.raises(WorkspaceError, match="needs a message"):
        sandbox.commit("  ")


def test_commits_made_with_plain_git_are_pushed_by_the_next_commit(sandbox: Workspace) -> None:
    app = sandbox.path
    write(app / "base" / "by-hand.yaml", config_map("by-hand", "1"))
    git(app, "add", "base/by-hand.yaml")
    git(app, "commit", "--quiet", "-m", "by hand")
    assert sandbox.status().ahead == 1

    result = sandbox.commit("push what is there")

    assert (result.commit, result.files, result.pushed) == (None, (), 1)
    assert sandbox.deployed_revision() == git(app, "rev-parse", "HEAD")
    assert sandbox.status().ahead == 0


def test_commit_on_another_branch_is_refused(sandbox: Workspace) -> None:
    git(sandbox.path, "switch", "--quiet", "-c", "experiment")
    write(sandbox.path / "base" / "new.yaml", config_map("new", "1"))
    with pytest.raises(WorkspaceError, match="on branch experiment, but the sandbox deploys main"):
        sandbox.commit("on a branch")
    status = sandbox.status()
    assert status.current_branch == "experiment"
    assert [c.path for c in status.changes] == ["base/new.yaml"]


def test_a_failing_hook_is_reported_and_the_change_kept(sandbox: Workspace) -> None:
    app = sandbox.path
    hook = app / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'lint: replicas must be even' >&2\nexit 1\n")
    hook.chmod(0o755)
    write(app / "base" / "new.yaml", config_map("new", "1"))
    head = git(app, "rev-parse", "HEAD")

    with pytest.raises(WorkspaceError, match="git commit failed: lint: replicas must be even"):
        sandbox.commit("new config")

    assert git(app, "rev-parse", "HEAD") == head
    assert (app / "base" / "new.yaml").read_text() == config_map("new", "1")
    assert sandbox.deployed_revision() == head
