"""The header's facts, gathered from the agent's snapshot into one small value.

The header widget draws a :class:`HeaderInfo` and knows nothing of agents or sessions, so it can
be drawn before the cluster is up (``status`` says what is happening) and in tests from values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from gitops_tui.engine.agent import AgentSnapshot
from gitops_tui.engine.connection import ProviderInfo
from gitops_tui.model import SyncStatus, Toggle
from gitops_tui.ui.preview import Preview


@dataclass(frozen=True)
class LastSync:
    started_at: float
    duration_ms: float
    ok: bool


@dataclass(frozen=True)
class HeaderInfo:
    provider: str = ""
    cluster: str = ""
    status: str = ""
    """What is happening when there is no snapshot yet (``starting the cluster…``)."""
    head: str | None = None
    """The newest commit of the sandbox repository."""
    revision: str | None = None
    """The revision in force on the cluster."""
    message: str = ""
    toggles: Mapping[Toggle, bool] = field(default_factory=dict)
    counts: Mapping[SyncStatus, int] = field(default_factory=dict)
    last_sync: LastSync | None = None
    reachable: bool = True
    syncing: bool = False
    rejected: str | None = None
    """A newer revision the agent refused to apply."""
    uncommitted: int = 0
    """Manifest files changed in the working tree and not committed."""


def header_info(
    snapshot: AgentSnapshot, provider: ProviderInfo, preview: Preview | None
) -> HeaderInfo:
    counts = Counter(s.sync for s in snapshot.resources if s.sync is not None)
    last = snapshot.last_sync
    return HeaderInfo(
        provider=provider.name,
        cluster=_server(provider.server),
        head=snapshot.head,
        revision=snapshot.revision,
        message=snapshot.revision_message.split("\n", 1)[0],
        toggles=dict(snapshot.toggles),
        counts=dict(counts),
        last_sync=LastSync(last.started_at, last.duration_ms, last.ok) if last else None,
        reachable=snapshot.reachable,
        syncing=snapshot.syncing,
        rejected=snapshot.rejected.revision if snapshot.rejected else None,
        uncommitted=len(preview.files) if preview else 0,
    )


def _server(url: str) -> str:
    return url.split("://", 1)[-1]
