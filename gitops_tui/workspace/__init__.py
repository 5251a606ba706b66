"""The working tree and the bare repository the agent deploys from, for the CLI and the app alike.

``init`` makes a directory a sandbox; :class:`Workspace` then compares, commits, reverts, pulls
and reads revisions. Failures the user can fix raise :class:`WorkspaceError` subclasses whose
text says what to do.
"""

from gitops_tui.workspace.bootstrap import InitResult, init
from gitops_tui.workspace.errors import (
    BehindSandbox,
    Diverged,
    NothingToCommit,
    NotInitialized,
    UncommittedChanges,
    UnknownRevision,
    WorkspaceError,
)
from gitops_tui.workspace.history import HistoryEntry, ResourceChanges
from gitops_tui.workspace.layout import REMOTE_NAME, STATE_DIR_ENV, is_manifest_path
from gitops_tui.workspace.repo import CommitResult, PullResult, Workspace
from gitops_tui.workspace.status import ChangeKind, FileChange, Status

__all__ = [
    "REMOTE_NAME",
    "STATE_DIR_ENV",
    "BehindSandbox",
    "ChangeKind",
    "CommitResult",
    "Diverged",
    "FileChange",
    "HistoryEntry",
    "InitResult",
    "NotInitialized",
    "NothingToCommit",
    "PullResult",
    "ResourceChanges",
    "Status",
    "UncommittedChanges",
    "UnknownRevision",
    "Workspace",
    "WorkspaceError",
    "init",
    "is_manifest_path",
]
