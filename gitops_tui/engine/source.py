"""The agent's source of truth: the branch of the bare repository, and a watch on its ref.

Argo CD polls Git every few minutes; here the repository is on the same disk, so the agent
watches the ref files instead (``refs/heads/...`` and ``packed-refs``, written by every ``git
push``, ours or a person's in another terminal) and hears of a new commit within milliseconds.
Polling every ``poll_interval`` seconds stays as a fallback for file systems that do not report
changes (network mounts, some containers). Only ref updates are reported, never the object
writes that precede them, so a commit is read once it is complete.

Each read opens the repository anew (GitPython leaks in long-running processes otherwise).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import watchfiles
from git import BadName, Repo
from git.exc import GitError

from gitops_tui.workspace.trees import tree_files

#: Milliseconds watchfiles waits for more changes before reporting (a push touches a lock file
#: and renames it within a millisecond or two).
_STEP_MS = 5


@dataclass(frozen=True)
class Revision:
    """One commit's files, as the agent renders them."""

    sha: str
    message: str
    files: dict[str, bytes]


def read_head(bare_repo: Path, branch: str) -> str | None:
    """The commit ``branch`` points at, or ``None`` while the branch has no commit."""
    try:
        with Repo(bare_repo) as repo:
            return str(repo.rev_parse(f"refs/heads/{branch}^{{commit}}").hexsha)
    except (BadName, ValueError, GitError):
        return None


def read_revision(bare_repo: Path, sha: str) -> Revision:
    """The message and every file of commit ``sha`` (read from Git's objects, no checkout)."""
    with Repo(bare_repo) as repo:
        commit = repo.commit(sha)
        return Revision(sha, str(commit.message).strip(), tree_files(repo, sha))


class RefWatcher:
    """Calls ``on_head(sha)`` from its own thread whenever the branch moves (and once at start).

    ``sha`` is ``None`` if the branch is deleted. Stop it with :meth:`stop` (joins the thread).
    """

    def __init__(
        self,
        bare_repo: Path,
        branch: str,
        poll_interval: float,
        on_head: Callable[[str | None], None],
    ) -> None:
        self._bare = bare_repo.resolve()
        self._branch = branch
        self._poll = max(poll_interval, 0.05)
        self._on_head = on_head
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="agent-git-ref", daemon=True)
        self._last: str | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _check(self) -> None:
        head = read_head(self._bare, self._branch)
        if head != self._last:
            self._last = head
            self._on_head(head)

    def _run(self) -> None:
        self._check()
        while not self._stop.is_set():
            try:
                self._watch()
            except (OSError, RuntimeError):
                # The watch could not be set up (no inotify left, repository moved): poll.
                self._stop.wait(self._poll)
                self._check()

    def _watch(self) -> None:
        for _changes in watchfiles.watch(
            self._bare,
            watch_filter=self._is_ref,
            step=_STEP_MS,
            debounce=200,
            rust_timeout=int(self._poll * 1000),
            yield_on_timeout=True,
            stop_event=self._stop,
            raise_interrupt=False,
        ):
            # An empty set is the poll fallback's timeout; either way, read the ref.
            self._check()

    def _is_ref(self, change: watchfiles.Change, path: str) -> bool:
        try:
            relative = Path(path).relative_to(self._bare).as_posix()
        except ValueError:
            return False
        return relative == "packed-refs" or relative.startswith("refs/")
