"""A sandbox: the user's working tree plus the bare repository the agent deploys from.

:class:`Workspace` is an immutable value naming the two places; each method opens the
repositories it needs for one operation only (GitPython leaks processes and file handles when a
``Repo`` lives long). Every method that writes refuses rather than risk the user's work: it
never discards an uncommitted change, never force-pushes, and stops at divergence.

The bare repository is the source of truth, and anyone may push to it with plain ``git``: every
method first fetches its branch into ``refs/remotes/sandbox/<branch>``, so such pushes are seen
before anything is decided.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from git import Repo

from gitops_tui.workspace.errors import (
    BehindSandbox,
    Diverged,
    NothingToCommit,
    NotInitialized,
    UncommittedChanges,
    UnknownRevision,
    WorkspaceError,
)
from gitops_tui.workspace.gitrun import (
    current_branch,
    git,
    identity_env,
    last_line,
    rev_parse,
    try_git,
    worktree_root,
)
from gitops_tui.workspace.history import HistoryEntry, read_history
from gitops_tui.workspace.layout import (
    BARE_REPO_NAME,
    REMOTE_NAME,
    is_manifest_path,
    resolve_state_dir,
)
from gitops_tui.workspace.status import (
    ChangeKind,
    FileChange,
    Status,
    divergence,
    manifest_changes,
    working_changes,
)
from gitops_tui.workspace.trees import tree_files, write_files


@dataclass(frozen=True)
class CommitResult:
    """What :meth:`Workspace.commit` or :meth:`Workspace.revert` did."""

    commit: str | None
    """The new commit; ``None`` when only commits made earlier were pushed."""
    files: tuple[str, ...]
    pushed: int
    """How many commits the push sent to the sandbox repository."""


@dataclass(frozen=True)
class PullResult:
    before: str
    after: str
    commits: int
    """How many commits the fast-forward brought in (0: already up to date)."""


@dataclass(frozen=True)
class Workspace:
    path: Path
    """The working tree, absolute."""
    state_dir: Path
    branch: str
    """The branch the sandbox deploys: the bare repository's HEAD."""

    @property
    def bare_path(self) -> Path:
        return self.state_dir / BARE_REPO_NAME

    @property
    def tracking_ref(self) -> str:
        return f"refs/remotes/{REMOTE_NAME}/{self.branch}"

    @classmethod
    def open(cls, path: Path | str, state_dir: Path | None = None) -> Workspace:
        """The sandbox at ``path``; :class:`NotInitialized` if ``gitops-tui init`` never ran."""
        worktree = Path(path).expanduser().resolve()
        state = resolve_state_dir(worktree, state_dir)
        bare = state / BARE_REPO_NAME
        hint = f"run `gitops-tui init {worktree}` first"
        if worktree_root(worktree) != worktree or not bare.is_dir():
            raise NotInitialized(f"{worktree} is not a gitops-tui sandbox yet: {hint}")
        with Repo(worktree) as repo:
            code, url, _ = try_git(repo, "config", "--get", f"remote.{REMOTE_NAME}.url")
        if code != 0:
            raise NotInitialized(f"{worktree} has no '{REMOTE_NAME}' remote: {hint}")
        if Path(url) != bare:
            raise NotInitialized(
                f"the '{REMOTE_NAME}' remote of {worktree} points at {url}, not {bare}: "
                f"pass the state directory it was made with, or "
                f"`git remote set-url {REMOTE_NAME} {bare}`"
            )
        with Repo(bare) as repo:
            branch = git(repo, "symbolic-ref", "--short", "HEAD")
        return cls(worktree, state, branch)

    def deployed_revision(self) -> str | None:
        """The commit the agent should deploy, read straight from the bare repository."""
        with Repo(self.bare_path) as bare:
            return rev_parse(bare, f"refs/heads/{self.branch}")

    def status(self) -> Status:
        with Repo(self.path) as repo:
            deployed = self._fetch(repo)
            head = rev_parse(repo, "HEAD")
            ahead, behind = divergence(repo, head, deployed)
            return Status(
                branch=self.branch,
                current_branch=current_branch(repo),
                head=head,
                deployed=deployed,
                ahead=ahead,
                behind=behind,
                changes=manifest_changes(working_changes(repo)),
            )

    def commit(self, message: str, paths: Iterable[str | Path] | None = None) -> CommitResult:
        """Commit changed manifest files (or exactly ``paths``) and push to the sandbox.

        Relative ``paths`` are relative to the working tree; a directory stands for every
        change under it. Other staged changes stay staged and out of the commit. Commits
        made earlier and not yet pushed are pushed too, even when there is nothing new.
        """
        if not message.strip():
            raise WorkspaceError("a commit needs a message: say what the change is for")
        with Repo(self.path) as repo:
            ahead = self._ready_to_write(repo, "commit")
            changes = working_changes(repo)
            if paths is None:
                files = tuple(change.path for change in manifest_changes(changes))
            else:
                files = _select(changes, [self._relative(p) for p in paths])
            if not files and not ahead:
                what = "no manifest file" if paths is None else "none of the named paths"
                raise NothingToCommit(
                    f"nothing to commit: {what} changed since the last commit, "
                    "and everything is pushed"
                )
            commit = None
            if files:
                git(repo, "--literal-pathspecs", "add", "--all", "--", *files)
                git(
                    repo,
                    *("--literal-pathspecs", "commit", "--quiet", "-m", message, "--", *files),
                    env=identity_env(repo),
                )
                commit = rev_parse(repo, "HEAD")
                ahead += 1
            self._push(repo)
            return CommitResult(commit, files, ahead)

    def revert(self, rev: str) -> CommitResult:
        """Undo commit ``rev`` with a new commit, and push it; uncommitted work blocks it."""
        with Repo(self.path) as repo:
            ahead = self._ready_to_write(repo, "revert")
            target = _commit_sha(repo, rev, self.path)
            if try_git(repo, "merge-base", "--is-ancestor", target, "HEAD")[0] != 0:
                raise WorkspaceError(f"{rev} is not in the history of branch {self.branch}")
            if len(git(repo, "rev-list", "--parents", "-n", "1", target).split()) > 2:
                raise WorkspaceError(
                    f"{rev} is a merge commit: choose the side to keep with "
                    f"`git revert -m 1 {target[:12]}`, then `gitops-tui commit`"
                )
            blocking = tuple(
                change.path
                for change in working_changes(repo)
                if change.kind is not ChangeKind.UNTRACKED or is_manifest_path(change.path)
            )
            if blocking:
                raise UncommittedChanges(
                    f"uncommitted changes to {_some(blocking)} would get mixed into the revert: "
                    "commit them (`gitops-tui commit`) or stash them (`git stash`) first; "
                    "nothing was changed",
                    blocking,
                )
            code, out, err = try_git(repo, "revert", "--no-edit", target, env=identity_env(repo))
            if code != 0:
                _undo_failed_revert(repo, rev, out + "\n" + err)
            changed = git(repo, "diff-tree", "--no-commit-id", "--name-only", "-r", "-z", "HEAD")
            files = tuple(path for path in changed.split("\0") if path)
            self._push(repo)
            return CommitResult(rev_parse(repo, "HEAD"), files, ahead + 1)

    def pull(self) -> PullResult:
        """Fast-forward the working tree to the sandbox's branch (pushed from elsewhere)."""
        with Repo(self.path) as repo:
            _require_branch(repo, self.branch)
            deployed = self._fetch(repo)
            head = rev_parse(repo, "HEAD")
            if head is None or deployed is None:
                raise WorkspaceError("nothing to pull: the working tree or the sandbox is empty")
            ahead, behind = divergence(repo, head, deployed)
            if not behind:
                return PullResult(head, head, 0)
            if ahead:
                raise Diverged(_diverged_message(self.branch, ahead, behind))
            incoming = set(git(repo, "diff", "--name-only", "-z", head, deployed).split("\0"))
            blocking = tuple(c.path for c in working_changes(repo) if c.path in incoming)
            if blocking:
                raise UncommittedChanges(
                    f"the pull would overwrite uncommitted changes to {_some(blocking)}: commit "
                    "them (`gitops-tui commit`) or stash them (`git stash`) first",
                    blocking,
                )
            git(repo, "merge", "--ff-only", "--quiet", deployed)
            return PullResult(head, deployed, behind)

    def history(self, limit: int = 20) -> tuple[HistoryEntry, ...]:
        """The deployed branch's newest ``limit`` commits, each with the resources it changed."""
        if limit < 1:
            raise WorkspaceError("the number of commits to show must be at least 1")
        return read_history(self.bare_path, self.branch, limit)

    def read_tree(self, rev: str = "HEAD") -> dict[str, bytes]:
        """Every file of revision ``rev`` as path -> content, read without a checkout. Names
        resolve in the working repository first, then in the sandbox's."""
        for where in (self.path, self.bare_path):
            with Repo(where) as repo:
                sha = rev_parse(repo, f"{rev}^{{commit}}")
                if sha is not None:
                    return tree_files(repo, sha)
        raise UnknownRevision(f"no commit named {rev!r} in {self.path} or its sandbox")

    def export_tree(self, rev: str, dest: Path) -> None:
        """Write revision ``rev``'s files under ``dest`` (new or empty), e.g. for kustomize."""
        write_files(self.read_tree(rev), dest)

    def _fetch(self, repo: Repo) -> str | None:
        """Bring the sandbox's branch into the tracking ref; return its commit (``None``: none)."""
        if self.deployed_revision() is None:
            return None
        git(
            repo,
            *("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", REMOTE_NAME),
            f"+refs/heads/{self.branch}:{self.tracking_ref}",
        )
        return rev_parse(repo, self.tracking_ref)

    def _ready_to_write(self, repo: Repo, action: str) -> int:
        """Refuse to ``action`` off the deployed branch or behind the sandbox; return ahead."""
        _require_branch(repo, self.branch)
        ahead, behind = divergence(repo, rev_parse(repo, "HEAD"), self._fetch(repo))
        if behind and ahead:
            raise Diverged(_diverged_message(self.branch, ahead, behind))
        if behind:
            raise BehindSandbox(
                f"the sandbox has {_commits(behind)} that the working tree lacks (pushed from "
                f"elsewhere): run `gitops-tui pull` first, then {action} again"
            )
        return ahead

    def _push(self, repo: Repo) -> None:
        ref = f"refs/heads/{self.branch}"
        code, out, err = try_git(repo, "push", "--quiet", REMOTE_NAME, f"{ref}:{ref}")
        if code != 0:
            if "rejected" in err or "non-fast-forward" in err:
                raise BehindSandbox(
                    "the commit is made, but the sandbox moved on meanwhile (someone pushed): "
                    "run `gitops-tui pull`, then `gitops-tui commit` to push it"
                )
            raise WorkspaceError(f"pushing to the sandbox failed: {last_line(err or out)}")

    def _relative(self, path: str | Path) -> str:
        full = Path(os.path.normpath(self.path / path))
        if not full.is_relative_to(self.path):
            raise WorkspaceError(f"{path} is outside the working tree {self.path}")
        return full.relative_to(self.path).as_posix()


def _select(changes: tuple[FileChange, ...], wanted: list[str]) -> tuple[str, ...]:
    """The changed paths that are, or lie under, one of ``wanted`` (``.``: the whole tree)."""
    return tuple(
        change.path
        for change in changes
        if any(w == "." or change.path == w or change.path.startswith(w + "/") for w in wanted)
    )


def _commit_sha(repo: Repo, rev: str, where: Path) -> str:
    sha = rev_parse(repo, f"{rev}^{{commit}}")
    if sha is None:
        raise UnknownRevision(
            f"no commit named {rev!r} in {where}: use a SHA from `gitops-tui history`"
        )
    return sha


def _require_branch(repo: Repo, branch: str) -> None:
    current = current_branch(repo)
    if current != branch:
        on = f"branch {current}" if current else "a detached HEAD"
        raise WorkspaceError(
            f"the working tree is on {on}, but the sandbox deploys {branch}: "
            f"`git switch {branch}` first"
        )


def _undo_failed_revert(repo: Repo, rev: str, output: str) -> NoReturn:
    """Put the tree back exactly as it was (it was clean) and raise why the revert failed."""
    if rev_parse(repo, "REVERT_HEAD") is not None:
        out = git(repo, "diff", "--name-only", "-z", "--diff-filter=U")
        conflicts = tuple(path for path in out.split("\0") if path)
        git(repo, "revert", "--abort")
        raise WorkspaceError(
            f"reverting {rev} conflicts with later changes to {_some(conflicts)}: "
            "revert those later commits first, or edit the files by hand and commit; "
            "nothing was changed"
        )
    # An empty revert leaves MERGE_MSG behind, which would pre-fill the user's next commit
    # message. The index still equals HEAD here, so a plain reset only clears such state.
    git(repo, "reset", "--quiet")
    if re.search(r"nothing (added )?to commit", output):
        raise NothingToCommit(f"the changes of {rev} are already undone; nothing was changed")
    in_the_way = tuple(line.strip() for line in output.splitlines() if line.startswith("\t"))
    if "would be overwritten" in output and in_the_way:
        raise WorkspaceError(
            f"reverting {rev} would overwrite the untracked {_some(in_the_way)}: move them "
            "away first; nothing was changed"
        )
    raise WorkspaceError(f"git could not revert {rev}: {last_line(output)}")


def _diverged_message(branch: str, ahead: int, behind: int) -> str:
    return (
        f"the working tree and the sandbox have diverged ({_commits(ahead)} only here, "
        f"{_commits(behind)} only in the sandbox): combine them with "
        f"`git pull --rebase {REMOTE_NAME} {branch}`, then `gitops-tui commit`"
    )


def _commits(n: int) -> str:
    return f"{n} commit" if n == 1 else f"{n} commits"


def _some(paths: tuple[str, ...], shown: int = 3) -> str:
    listed = ", ".join(paths[:shown])
    return listed if len(paths) <= shown else f"{listed} and {len(paths) - shown} more"
