"""``revert``: a new commit that undoes an old one, and never at the cost of uncommitted work."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_tui.workspace import (
    NothingToCommit,
    UncommittedChanges,
    UnknownRevision,
    Workspace,
    WorkspaceError,
)

from .conftest import git, write

OVERLAY = "overlays/dev/kustomization.yaml"


def scale(workspace: Workspace, count: int) -> str:
    overlay = workspace.path / OVERLAY
    text = overlay.read_text()
    current = text.split("count: ")[1].split("\n")[0]
    overlay.write_text(text.replace(f"count: {current}", f"count: {count}"))
    result = workspace.commit(f"Scale the frontend to {count}")
    assert result.commit is not None
    return result.commit


def no_operation_in_progress(app: Path) -> bool:
    return not any((app / ".git" / name).exists() for name in ("REVERT_HEAD", "MERGE_MSG"))


def test_revert_is_a_new_commit_and_is_pushed(sandbox: Workspace) -> None:
    app = sandbox.path
    original = (app / OVERLAY).read_bytes()
    scaled = scale(sandbox, 4)

    result = sandbox.revert(scaled)

    assert (app / OVERLAY).read_bytes() == original
    assert result.files == (OVERLAY,)
    assert result.commit == git(app, "rev-parse", "HEAD")
    assert git(app, "rev-parse", "HEAD~1") == scaled
    assert git(app, "log", "-1", "--format=%s") == 'Revert "Scale the frontend to 4"'
    assert sandbox.deployed_revision() == result.commit
    assert sandbox.status().clean


def test_revert_with_uncommitted_changes_is_refused_and_keeps_them(sandbox: Workspace) -> None:
    app = sandbox.path
    scaled = scale(sandbox, 4)
    overlay = app / OVERLAY
    overlay.write_bytes(overlay.read_bytes() + b"# half-done edit\n")
    write(app / "base" / "draft.yaml", "kind: ConfigMap\n")
    (app / "base" / "namespace.yaml").unlink()
    before = {
        path: path.read_bytes()
        for path in app.rglob("*")
        if path.is_file() and ".git" not in path.parts
    }
    head = git(app, "rev-parse", "HEAD")

    with pytest.raises(UncommittedChanges, match=r"commit them .* or stash them") as refused:
        sandbox.revert(scaled)

    assert refused.value.paths == ("base/draft.yaml", "base/namespace.yaml", OVERLAY)
    after = {
        path: path.read_bytes()
        for path in app.rglob("*")
        if path.is_file() and ".git" not in path.parts
    }
    assert after == before
    assert git(app, "rev-parse", "HEAD") == head
    assert sandbox.deployed_revision() == head
    assert no_operation_in_progress(app)


def test_untracked_non_manifest_files_do_not_block_a_revert(sandbox: Workspace) -> None:
    scaled = scale(sandbox, 4)
    write(sandbox.path / "notes.txt", "mine\n")
    sandbox.revert(scaled)
    assert (sandbox.path / "notes.txt").read_text() == "mine\n"


def test_conflicting_revert_is_undone_completely(sandbox: Workspace) -> None:
    app = sandbox.path
    first = scale(sandbox, 4)
    scale(sandbox, 5)
    head = git(app, "rev-parse", "HEAD")
    content = (app / OVERLAY).read_bytes()

    with pytest.raises(WorkspaceError, match=f"conflicts with later changes to {OVERLAY}"):
        sandbox.revert(first)

    assert git(app, "rev-parse", "HEAD") == head
    assert (app / OVERLAY).read_bytes() == content
    assert git(app, "status", "--porcelain") == ""
    assert no_operation_in_progress(app)


def test_reverting_twice_says_it_is_already_undone(sandbox: Workspace) -> None:
    scaled = scale(sandbox, 4)
    sandbox.revert(scaled)
    head = git(sandbox.path, "rev-parse", "HEAD")

    with pytest.raises(NothingToCommit, match="already undone"):
        sandbox.revert(scaled)

    assert git(sandbox.path, "rev-parse", "HEAD") == head
    assert no_operation_in_progress(sandbox.path)


def test_revert_of_an_unknown_revision(sandbox: Workspace) -> None:
    with pytest.raises(UnknownRevision, match="no commit named 'f00d'"):
        sandbox.revert("f00d")
    with pytest.raises(UnknownRevision):
        sandbox.revert("--hard")


def test_revert_of_a_commit_not_on_the_branch(sandbox: Workspace) -> None:
    app = sandbox.path
    git(app, "switch", "--quiet", "-c", "side")
    write(app / "base" / "side.yaml", "kind: ConfigMap\n")
    git(app, "add", ".")
    git(app, "commit", "--quiet", "-m", "side")
    side = git(app, "rev-parse", "HEAD")
    git(app, "switch", "--quiet", "main")
    with pytest.raises(WorkspaceError, match="not in the history of branch main"):
        sandbox.revert(side)


def test_revert_never_overwrites_an_untracked_file(sandbox: Workspace) -> None:
    app = sandbox.path
    (app / "README.md").unlink()
    removed = sandbox.commit("Drop the readme", ["README.md"]).commit
    assert removed is not None
    write(app / "README.md", "my own readme\n")

    with pytest.raises(WorkspaceError, match=r"would overwrite the untracked README\.md"):
        sandbox.revert(removed)

    assert (app / "README.md").read_text() == "my own readme\n"
    assert git(app, "rev-parse", "HEAD") == removed
    assert no_operation_in_progress(app)


def test_revert_of_a_merge_commit_explains_how(sandbox: Workspace) -> None:
    app = sandbox.path
    git(app, "switch", "--quiet", "-c", "side")
    write(app / "base" / "side.yaml", "kind: ConfigMap\n")
    git(app, "add", ".")
    git(app, "commit", "--quiet", "-m", "side")
    git(app, "switch", "--quiet", "main")
    git(app, "merge", "--quiet", "--no-ff", "-m", "merge side", "side")
    with pytest.raises(WorkspaceError, match=r"is a merge commit: .*git revert -m 1"):
        sandbox.revert("HEAD")
