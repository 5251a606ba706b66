"""Why a workspace operation refused, as exceptions a person can act on.

Every message is one sentence that says what is wrong and what to do next, so the CLI prints it
as is and the app shows it in a notification. Subclasses exist where a caller reacts
differently (offer to commit, offer to pull); everything else is a plain :class:`WorkspaceError`.
"""

from __future__ import annotations


class WorkspaceError(Exception):
    """An operation refused or failed for a reason the user can fix; nothing was lost."""


class NotInitialized(WorkspaceError):
    """The directory has no sandbox repository (or no ``sandbox`` remote) yet."""


class UncommittedChanges(WorkspaceError):
    """Uncommitted work is in the way; it was left exactly as it was."""

    def __init__(self, message: str, paths: tuple[str, ...]) -> None:
        super().__init__(message)
        self.paths = paths


class NothingToCommit(WorkspaceError):
    """There is nothing new to commit and nothing waiting to be pushed."""


class BehindSandbox(WorkspaceError):
    """The sandbox repository has commits the working tree lacks: pull first."""


class Diverged(WorkspaceError):
    """Both the working tree and the sandbox repository have commits the other lacks."""


class UnknownRevision(WorkspaceError):
    """A revision name or SHA does not name a commit."""
