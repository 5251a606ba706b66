"""Everything the main screen draws, as one value the app hands down.

The app gathers it from the agent's snapshot, the working-tree preview and the timeline at most
ten times a second; the screen compares it with the previous one and redraws only what changed.
Tests and snapshot tests build it from real objects without a cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from gitops_tui.model import ResourceKey, ResourceState
from gitops_tui.ui.overview import HeaderInfo
from gitops_tui.ui.preview import Pending
from gitops_tui.ui.timeline import Entry


@dataclass(frozen=True)
class View:
    header: HeaderInfo
    resources: tuple[ResourceState, ...] = ()
    pending: Mapping[ResourceKey, Pending] = field(default_factory=dict)
    timeline: tuple[Entry, ...] = ()
    problems: tuple[tuple[str, bool], ...] = ()
    """What is wrong, as (text, is_error), most important first."""
