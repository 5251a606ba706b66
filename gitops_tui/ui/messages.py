"""What workers and widgets tell the app: small values, named as facts that already happened.

Workers run blocking I/O (Git, the cluster, the disk) in threads and post one of these when
done; widgets post them upwards when the user picks something. Handlers only update state and
widgets, so the event loop never waits. Messages that only carry the newest state of something
replace a queued older one (``can_replace``), so a burst costs one repaint.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from gitops_tui.engine.session import Session
from gitops_tui.engine.simulate import Change
from gitops_tui.manifests.watch import DesiredState
from gitops_tui.model import AgentEvent, ResourceKey
from gitops_tui.ui.preview import Preview
from gitops_tui.workspace import CommitResult, HistoryEntry, Status


@dataclass
class SessionOpened(Message):
    """The cluster is up and the agent started."""

    session: Session


@dataclass
class SessionProgressed(Message):
    """A step of opening the session, in a sentence (``Starting the embedded cluster``)."""

    text: str


@dataclass
class SessionFailed(Message):
    """The sandbox or the cluster could not be opened; ``reason`` says what to do."""

    reason: str


@dataclass
class AgentReported(Message):
    """An event from the agent, posted from the agent's own threads."""

    event: AgentEvent


@dataclass
class WorkingTreeRead(Message):
    """The working tree was read again after a burst of saves."""

    state: DesiredState

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, WorkingTreeRead)


@dataclass
class WorkingTreeCompared(Message):
    """The working tree was compared with HEAD (what a commit would change)."""

    preview: Preview

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, WorkingTreeCompared)


@dataclass
class StatusRead(Message):
    """``git status`` of the working tree, for the commit dialog."""

    status: Status


@dataclass
class HistoryRead(Message):
    entries: tuple[HistoryEntry, ...]


@dataclass
class CommitPushed(Message):
    """A commit (or a revert, with ``reverted`` set) reached the sandbox repository."""

    result: CommitResult
    message: str
    reverted: str | None = None


@dataclass
class ActionFailed(Message):
    """A commit, revert, history read, sync request or drift simulation was refused."""

    action: str
    reason: str


@dataclass
class DriftSimulated(Message):
    """A manual change was made to a live object, as kubectl would have made it."""

    change: Change


@dataclass
class ResourceSelected(Message):
    """The cursor moved to another resource (``None``: to a group header, or nothing)."""

    key: ResourceKey | None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ResourceSelected)
