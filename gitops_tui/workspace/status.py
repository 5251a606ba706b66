"""The working tree compared with HEAD and with the sandbox repository, as immutable values.

Read from ``git status --porcelain -z``, the format git promises to keep stable for scripts, so
``.gitignore``, renames and unusual file names are handled by git itself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from git import Repo

from gitops_tui.workspace.gitrun import git
from gitops_tui.workspace.layout import is_manifest_path


class ChangeKind(enum.Enum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    UNTRACKED = "untracked"


@dataclass(frozen=True, order=True)
class FileChange:
    """One uncommitted change; ``path`` is relative to the tree, with ``/`` separators."""

    path: str
    kind: ChangeKind


@dataclass(frozen=True)
class Status:
    """Working tree vs HEAD vs the sandbox repository's branch (what the agent deploys)."""

    branch: str
    """The branch the sandbox deploys."""
    current_branch: str | None
    """The branch checked out in the working tree; ``None`` when HEAD is detached."""
    head: str | None
    deployed: str | None
    """The sandbox repository's commit on ``branch``; ``None`` before anything was pushed."""
    ahead: int
    behind: int
    changes: tuple[FileChange, ...]
    """Uncommitted changes to manifest files (see :func:`~.layout.is_manifest_path`)."""

    @property
    def clean(self) -> bool:
        return not self.changes


def working_changes(repo: Repo) -> tuple[FileChange, ...]:
    """Every uncommitted change in the tree (manifest or not), sorted by path."""
    # --no-optional-locks: a status poll must not take index.lock from a git in a terminal.
    out = git(
        repo,
        *("--no-optional-locks", "status", "--porcelain=v1", "-z"),
        *("--untracked-files=all", "--no-renames"),
    )
    changes = []
    for entry in out.split("\0"):
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        changes.append(FileChange(path, _kind(code)))
    return tuple(sorted(changes))


def manifest_changes(changes: tuple[FileChange, ...]) -> tuple[FileChange, ...]:
    return tuple(change for change in changes if is_manifest_path(change.path))


def divergence(repo: Repo, head: str | None, deployed: str | None) -> tuple[int, int]:
    """Commits only on ``head`` (ahead) and only on ``deployed`` (behind); ``None`` is empty."""
    if head is None or deployed is None:
        return _count(repo, head), _count(repo, deployed)
    ahead, behind = git(repo, "rev-list", "--left-right", "--count", f"{head}...{deployed}").split()
    return int(ahead), int(behind)


def _count(repo: Repo, commit: str | None) -> int:
    return 0 if commit is None else int(git(repo, "rev-list", "--count", commit))


def _kind(code: str) -> ChangeKind:
    if code == "??":
        return ChangeKind.UNTRACKED
    if "D" in code:
        return ChangeKind.DELETED
    if code[0] == "A":
        return ChangeKind.ADDED
    return ChangeKind.MODIFIED
