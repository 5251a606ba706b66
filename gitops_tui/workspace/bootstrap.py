"""``gitops-tui init``: turn any directory into a sandbox without disturbing what is there.

Three starting points, one outcome (a working tree whose branch is pushed to a bare repository
in the state directory, reachable as the remote ``sandbox``):

* an empty (or missing) directory is seeded with the example app and committed;
* a directory of files becomes a repository whose first commit holds the manifests only;
* an existing repository only gains the ``sandbox`` remote: its other remotes, branches,
  configuration and history are left alone.

Each step checks whether it is already done, so running init again changes nothing. Everything
that can refuse is checked before the first write.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from git import Repo
from git.exc import InvalidGitRepositoryError, NoSuchPathError

from gitops_tui.workspace.errors import WorkspaceError
from gitops_tui.workspace.gitrun import (
    current_branch,
    git,
    identity_env,
    rev_parse,
    try_git,
    worktree_root,
)
from gitops_tui.workspace.layout import (
    BARE_REPO_NAME,
    CONFIG_FILE,
    REMOTE_NAME,
    is_manifest_path,
    resolve_state_dir,
)
from gitops_tui.workspace.repo import Workspace
from gitops_tui.workspace.status import ChangeKind, working_changes

NEW_REPO_BRANCH = "main"
EXAMPLE = "example"


@dataclass(frozen=True)
class InitResult:
    workspace: Workspace
    actions: tuple[str, ...]
    """What this run did, in order, as sentences; empty when everything was already set up."""


def init(path: Path | str, state_dir: Path | None = None) -> InitResult:
    """Make ``path`` a sandbox (see the module docstring); safe to run any number of times."""
    worktree = Path(path).expanduser().resolve()
    state = resolve_state_dir(worktree, state_dir)
    _check_places(worktree, state)
    actions: list[str] = []
    created = _ensure_repository(worktree, actions)
    try:
        with Repo(worktree) as repo:
            if rev_parse(repo, "HEAD") is None:
                _first_commit(repo, worktree, actions)
            branch = _branch(repo, worktree)
            bare = state / BARE_REPO_NAME
            deployed = _ensure_bare(bare, branch, actions)
            _ensure_remote(repo, bare, actions)
            _ensure_pushed(repo, bare, branch, deployed, actions)
    except BaseException:
        if created:
            # Only the .git this run made: the user's files are never removed.
            shutil.rmtree(worktree / ".git", ignore_errors=True)
        raise
    return InitResult(Workspace.open(worktree, state), tuple(actions))


def _check_places(worktree: Path, state: Path) -> None:
    if worktree.exists() and not worktree.is_dir():
        raise WorkspaceError(f"{worktree} is a file: give a directory")
    if state.is_relative_to(worktree):
        raise WorkspaceError(
            f"the state directory {state} is inside the working tree {worktree}, where its files "
            "could end up in commits: choose one outside it"
        )
    root = worktree_root(worktree) if worktree.exists() else None
    if root is not None and root != worktree and not _entries(worktree):
        # An empty directory asks for the example app in a repository of its own, wherever it
        # is (a missing one already gets that); the enclosing repository is left alone.
        root = None
    if root is not None and root != worktree:
        raise WorkspaceError(
            f"{worktree} is inside the Git repository {root}: run `gitops-tui init {root}` "
            f"(a `path:` in its {CONFIG_FILE} can point at this directory)"
        )
    if root is None and _entries(worktree) and not _manifests_on_disk(worktree):
        raise WorkspaceError(
            f"{worktree} has files but no manifests (YAML or JSON): add some, or init an empty "
            "directory to start from the example app"
        )


def _ensure_repository(worktree: Path, actions: list[str]) -> bool:
    """Create a repository unless there is one; return whether this call created it."""
    if worktree_root(worktree) == worktree:
        return False
    worktree.mkdir(parents=True, exist_ok=True)
    Repo.init(worktree, initial_branch=NEW_REPO_BRANCH).close()
    actions.append(f"created a Git repository in {worktree}")
    return True


def _first_commit(repo: Repo, worktree: Path, actions: list[str]) -> None:
    if not [entry for entry in _entries(worktree) if entry.name != ".git"]:
        paths = _copy_example(files("gitops_tui.workspace") / EXAMPLE, worktree)
        message = "Add the gitops-tui example app"
        actions.append("copied in the example app")
    else:
        paths = [
            change.path
            for change in working_changes(repo)
            if change.kind in (ChangeKind.UNTRACKED, ChangeKind.ADDED)
            and is_manifest_path(change.path)
        ]
        if not paths:
            raise WorkspaceError(
                f"{worktree} has no manifests (YAML or JSON) that Git would track: add some"
            )
        message = "Add the manifests"
    git(repo, "--literal-pathspecs", "add", "--", *paths)
    git(
        repo,
        *("--literal-pathspecs", "commit", "--quiet", "-m", message, "--", *paths),
        env=identity_env(repo),
    )
    actions.append(f"committed {len(paths)} files")


def _copy_example(source: Traversable, dest: Path) -> list[str]:
    """Copy the example app (a package resource, so it works from a wheel) into ``dest``."""
    copied = []
    for item in sorted(source.iterdir(), key=lambda i: i.name):
        target = dest / item.name
        if item.is_dir():
            target.mkdir()
            copied += [f"{item.name}/{path}" for path in _copy_example(item, target)]
        else:
            target.write_bytes(item.read_bytes())
            copied.append(item.name)
    return copied


def _branch(repo: Repo, worktree: Path) -> str:
    branch = current_branch(repo)
    if branch is None:
        raise WorkspaceError(
            f"{worktree} has a detached HEAD: `git switch` to the branch the sandbox should "
            "deploy, then run init again"
        )
    return branch


def _ensure_bare(bare: Path, branch: str, actions: list[str]) -> str:
    """Create the bare repository if missing; return the branch it deploys (its HEAD)."""
    if not bare.exists():
        Repo.init(bare, bare=True, mkdir=True, initial_branch=branch).close()
        actions.append(f"created the sandbox repository {bare}")
        return branch
    if not _is_bare_repository(bare):
        raise WorkspaceError(f"{bare} exists but is not a bare Git repository: move it away")
    with Repo(bare) as repo:
        return git(repo, "symbolic-ref", "--short", "HEAD")


def _ensure_remote(repo: Repo, bare: Path, actions: list[str]) -> None:
    code, url, _ = try_git(repo, "config", "--get", f"remote.{REMOTE_NAME}.url")
    if code != 0:
        git(repo, "remote", "add", REMOTE_NAME, str(bare))
        actions.append(f"added the remote '{REMOTE_NAME}' -> {bare}")
    elif Path(url) != bare:
        raise WorkspaceError(
            f"a remote named '{REMOTE_NAME}' already points at {url}: rename it "
            f"(`git remote rename {REMOTE_NAME} OTHER`) and run init again"
        )


def _ensure_pushed(repo: Repo, bare: Path, branch: str, deployed: str, actions: list[str]) -> None:
    """Push the branch the sandbox deploys if the sandbox does not have it yet."""
    with Repo(bare) as bare_repo:
        if rev_parse(bare_repo, f"refs/heads/{deployed}") is not None:
            return
    if branch != deployed:
        raise WorkspaceError(
            f"the sandbox deploys branch {deployed}, but the working tree is on {branch}: "
            f"`git switch {deployed}` and run init again"
        )
    ref = f"refs/heads/{branch}"
    git(repo, "push", "--quiet", REMOTE_NAME, f"{ref}:{ref}")
    actions.append(f"pushed {branch} to the sandbox")


def _is_bare_repository(path: Path) -> bool:
    try:
        with Repo(path) as repo:
            return repo.bare
    except (InvalidGitRepositoryError, NoSuchPathError):
        return False


def _entries(directory: Path) -> list[Path]:
    return list(directory.iterdir()) if directory.is_dir() else []


def _manifests_on_disk(directory: Path) -> bool:
    return any(
        is_manifest_path(path.relative_to(directory).as_posix())
        for path in directory.rglob("*")
        if path.is_file()
    )
