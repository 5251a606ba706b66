"""Pushes made to the sandbox with plain ``git`` from another clone are first-class."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_tui.workspace import (
    BehindSandbox,
    Diverged,
    UncommittedChanges,
    Workspace,
)

from .conftest import add_to_base, config_map, git, write


def push_from_elsewhere(workspace: Workspace, tmp_path: Path, name: str = "pushed") -> str:
    """Clone the bare repo, commit a ConfigMap and push it, as another terminal would."""
    other = tmp_path / f"other-{name}"
    git(tmp_path, "clone", "--quiet", str(workspace.bare_path), str(other))
    add_to_base(other, f"{name}.yaml", config_map(name, "1"))
    git(other, "add", ".")
    git(other, "commit", "--quiet", "-m", f"Add {name} from another terminal")
    git(other, "push", "--quiet", "origin", "main")
    return git(other, "rev-parse", "HEAD")


def test_status_and_history_see_a_plain_git_push(sandbox: Workspace, tmp_path: Path) -> None:
    pushed = push_from_elsewhere(sandbox, tmp_path)

    status = sandbox.status()
    assert (status.deployed, status.ahead, status.behind) == (pushed, 0, 1)
    assert status.head != pushed
    latest = sandbox.history(1)[0]
    assert latest.sha == pushed
    assert latest.summary == "Add pushed from another terminal"
    assert [str(key) for key in latest.resources.created] == ["ConfigMap shop/pushed"]


def test_pull_fast_forwards_the_working_tree(sandbox: Workspace, tmp_path: Path) -> None:
    app = sandbox.path
    before = git(app, "rev-parse", "HEAD")
    pushed = push_from_elsewhere(sandbox, tmp_path)
    write(app / "notes.txt", "kept\n")

    result = sandbox.pull()

    assert (result.before, result.after, result.commits) == (before, pushed, 1)
    assert git(app, "rev-parse", "HEAD") == pushed
    assert (app / "base" / "pushed.yaml").read_text() == config_map("pushed", "1")
    assert (app / "notes.txt").read_text() == "kept\n"
    status = sandbox.status()
    assert (status.ahead, status.behind) == (0, 0)
    assert sandbox.pull().commits == 0


def test_commit_while_behind_asks_for_a_pull_first(sandbox: Workspace, tmp_path: Path) -> None:
    push_from_elsewhere(sandbox, tmp_path)
    write(sandbox.path / "base" / "mine.yaml", config_map("mine", "1"))

    with pytest.raises(BehindSandbox, match="run `gitops-tui pull` first"):
        sandbox.commit("mine")

    assert [c.path for c in sandbox.status().changes] == ["base/mine.yaml"]
    sandbox.pull()
    assert sandbox.commit("mine").pushed == 1


def test_divergence_is_refused_clearly(sandbox: Workspace, tmp_path: Path) -> None:
    app = sandbox.path
    push_from_elsewhere(sandbox, tmp_path)
    write(app / "base" / "local.yaml", config_map("local", "1"))
    git(app, "add", ".")
    git(app, "commit", "--quiet", "-m", "local")
    head = git(app, "rev-parse", "HEAD")

    with pytest.raises(Diverged, match=r"diverged \(1 commit only here, 1 commit only in"):
        sandbox.pull()
    with pytest.raises(Diverged, match="git pull --rebase sandbox main"):
        sandbox.commit("more")

    assert git(app, "rev-parse", "HEAD") == head
    status = sandbox.status()
    assert (status.ahead, status.behind) == (1, 1)


def test_pull_never_overwrites_uncommitted_work(sandbox: Workspace, tmp_path: Path) -> None:
    app = sandbox.path
    push_from_elsewhere(sandbox, tmp_path)
    draft = config_map("pushed", "my own draft")
    write(app / "base" / "pushed.yaml", draft)
    head = git(app, "rev-parse", "HEAD")

    with pytest.raises(
        UncommittedChanges, match="would overwrite uncommitted changes to base/pushed"
    ):
        sandbox.pull()

    assert (app / "base" / "pushed.yaml").read_text() == draft
    assert git(app, "rev-parse", "HEAD") == head
