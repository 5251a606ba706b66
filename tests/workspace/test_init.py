"""``init`` on each kind of starting directory, and that it touches nothing it does not own."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from gitops_tui.workspace import NotInitialized, Workspace, WorkspaceError, init
from gitops_tui.workspace.gitrun import FALLBACK_EMAIL, FALLBACK_NAME
from gitops_tui.workspace.layout import resolve_state_dir

from .conftest import config_map, git, write

EXAMPLE = Path(str(files("gitops_tui.workspace") / "example"))


def tree_files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def test_empty_directory_is_seeded_committed_and_pushed(tmp_path: Path, state_dir: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()

    result = init(app, state_dir)

    assert tree_files(app) == tree_files(EXAMPLE)
    assert ".gitops-tui.yaml" in tree_files(app)
    workspace = result.workspace
    assert workspace.path == app
    assert workspace.bare_path == state_dir / "repo.git"
    assert workspace.branch == "main"
    assert git(app, "log", "--format=%s") == "Add the gitops-tui example app"
    assert git(app, "status", "--porcelain") == ""
    assert workspace.deployed_revision() == git(app, "rev-parse", "HEAD")
    assert git(app, "remote", "get-url", "sandbox") == str(state_dir / "repo.git")
    assert "pushed main to the sandbox" in result.actions


def test_missing_directory_is_created_and_seeded(tmp_path: Path, state_dir: Path) -> None:
    app = tmp_path / "new" / "app"
    init(app, state_dir)
    assert tree_files(app) == tree_files(EXAMPLE)


def test_running_init_again_changes_nothing(tmp_path: Path, state_dir: Path) -> None:
    app = tmp_path / "app"
    init(app, state_dir)
    before = (git(app, "for-each-ref"), git(state_dir / "repo.git", "for-each-ref"))
    config_before = (app / ".git" / "config").read_bytes()

    again = init(app, state_dir)

    assert again.actions == ()
    assert (git(app, "for-each-ref"), git(state_dir / "repo.git", "for-each-ref")) == before
    assert (app / ".git" / "config").read_bytes() == config_before
    assert tree_files(app) == tree_files(EXAMPLE)


def test_plain_directory_commits_manifests_only(tmp_path: Path, state_dir: Path) -> None:
    app = tmp_path / "app"
    write(app / "deploy" / "config.yaml", config_map("settings", "1"))
    write(app / "deploy" / "extra.json", '{"apiVersion": "v1", "kind": "Namespace"}')
    write(app / "notes.txt", "my notes\n")
    write(app / ".github" / "workflows" / "ci.yml", "on: push\n")

    result = init(app, state_dir)

    committed = git(app, "ls-tree", "-r", "--name-only", "HEAD").splitlines()
    assert committed == ["deploy/config.yaml", "deploy/extra.json"]
    assert git(app, "log", "--format=%s") == "Add the manifests"
    untracked = git(app, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert untracked == ["?? .github/workflows/ci.yml", "?? notes.txt"]
    assert result.workspace.deployed_revision() == git(app, "rev-parse", "HEAD")


def test_directory_without_manifests_is_refused_untouched(tmp_path: Path, state_dir: Path) -> None:
    app = tmp_path / "app"
    write(app / "notes.txt", "just notes\n")

    with pytest.raises(WorkspaceError, match=r"no manifests \(YAML or JSON\)"):
        init(app, state_dir)

    assert sorted(p.name for p in app.iterdir()) == ["notes.txt"]
    assert not state_dir.exists()


def test_existing_repository_gains_only_the_sandbox_remote(tmp_path: Path, state_dir: Path) -> None:
    upstream = tmp_path / "upstream.git"
    git(tmp_path, "init", "--quiet", "--bare", str(upstream))
    app = tmp_path / "app"
    git(tmp_path, "init", "--quiet", "--initial-branch=trunk", str(app))
    write(app / "k8s" / "settings.yaml", config_map("settings", "1"))
    write(app / "README.md", "# app\n")
    git(app, "add", ".")
    git(app, "commit", "--quiet", "-m", "first")
    git(app, "remote", "add", "origin", str(upstream))
    git(app, "push", "--quiet", "origin", "trunk")
    git(app, "branch", "feature")
    git(app, "config", "core.autocrlf", "false")
    git(app, "config", "branch.trunk.remote", "origin")
    write(app / "k8s" / "settings.yaml", config_map("settings", "2"))  # uncommitted work
    write(app / "scratch.txt", "untracked\n")
    before = {
        "refs": git(app, "for-each-ref"),
        "head": git(app, "symbolic-ref", "HEAD"),
        "config": git(app, "config", "--local", "--list"),
        "status": git(app, "status", "--porcelain", "--untracked-files=all", "--ignored"),
        "files": tree_files(app),
        "origin": git(upstream, "for-each-ref"),
    }

    result = init(app, state_dir)

    assert result.workspace.branch == "trunk"
    config = git(app, "config", "--local", "--list").splitlines()
    added = [line for line in config if line.startswith("remote.sandbox.")]
    assert added == [
        f"remote.sandbox.url={state_dir / 'repo.git'}",
        "remote.sandbox.fetch=+refs/heads/*:refs/remotes/sandbox/*",
    ]
    assert "\n".join(line for line in config if line not in added) == before["config"]
    refs = git(app, "for-each-ref").splitlines()
    assert "\n".join(r for r in refs if "refs/remotes/sandbox/" not in r) == before["refs"]
    assert git(app, "symbolic-ref", "HEAD") == before["head"]
    assert (
        git(app, "status", "--porcelain", "--untracked-files=all", "--ignored")
        == (before["status"])
    )
    assert tree_files(app) == before["files"]
    assert git(upstream, "for-each-ref") == before["origin"]
    assert result.workspace.deployed_revision() == git(app, "rev-parse", "trunk")
    assert git(state_dir / "repo.git", "symbolic-ref", "HEAD") == "refs/heads/trunk"


def test_existing_remote_named_sandbox_is_not_overwritten(tmp_path: Path, state_dir: Path) -> None:
    app = tmp_path / "app"
    init(app, tmp_path / "first-state")
    with pytest.raises(WorkspaceError, match="remote named 'sandbox' already points at"):
        init(app, state_dir)
    assert git(app, "remote", "get-url", "sandbox") == str(tmp_path / "first-state" / "repo.git")


def test_subdirectory_of_a_repository_is_refused(tmp_path: Path, state_dir: Path) -> None:
    app = tmp_path / "app"
    init(app, tmp_path / "s1")
    with pytest.raises(WorkspaceError, match=f"inside the Git repository {app}"):
        init(app / "base", state_dir)


def test_empty_directory_inside_a_repository_gets_a_repository_of_its_own(
    tmp_path: Path, state_dir: Path
) -> None:
    # The README's quick start: `mkdir my-shop && cd my-shop && gitops-tui` inside the clone.
    outer = tmp_path / "clone"
    init(outer, tmp_path / "s1")
    outer_head = git(outer, "rev-parse", "HEAD")
    shop = outer / "my-shop"
    shop.mkdir()

    init(shop, state_dir)

    assert tree_files(shop) == tree_files(EXAMPLE)
    assert git(shop, "rev-parse", "--show-toplevel") == str(shop)
    assert git(outer, "rev-parse", "HEAD") == outer_head
    assert git(outer, "remote", "get-url", "sandbox") == str(tmp_path / "s1" / "repo.git")


def test_state_directory_inside_the_tree_is_refused(tmp_path: Path) -> None:
    app = tmp_path / "app"
    with pytest.raises(WorkspaceError, match="inside the working tree"):
        init(app, app / ".gitops-tui")
    assert not app.exists()


def test_default_state_directory_is_outside_the_tree(tmp_path: Path) -> None:
    app = tmp_path / "app"
    result = init(app)
    state = result.workspace.state_dir
    assert state.parent == tmp_path / "xdg-state" / "gitops-tui"
    assert state.name.startswith("app-")
    assert Workspace.open(app) == result.workspace
    other = resolve_state_dir(tmp_path / "elsewhere" / "app")
    assert other != state


def test_state_directory_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_TUI_STATE_DIR", str(tmp_path / "from-env"))
    result = init(tmp_path / "app")
    assert result.workspace.bare_path == tmp_path / "from-env" / "repo.git"


def test_open_before_init_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(NotInitialized, match="run `gitops-tui init"):
        Workspace.open(tmp_path)


def test_commits_without_a_configured_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.delenv(f"GIT_{role}_NAME")
        monkeypatch.delenv(f"GIT_{role}_EMAIL")
    monkeypatch.delenv("EMAIL", raising=False)
    app = tmp_path / "app"
    init(app, tmp_path / "state")
    assert git(app, "log", "--format=%an <%ae>") == f"{FALLBACK_NAME} <{FALLBACK_EMAIL}>"
    assert "[user]" not in (app / ".git" / "config").read_text()
