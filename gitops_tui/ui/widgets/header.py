"""Two lines that answer "where am I and is it in sync": cluster, HEAD, toggles, counts.

Every state is spelt out (``auto-sync:on``, ``✓3 Synced``), so the header reads the same with
or without colour; colours come from ``app.tcss`` through component classes.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from gitops_tui.model import SyncStatus, Toggle
from gitops_tui.ui.badges import BADGE_STYLES, SYNC_BADGES
from gitops_tui.ui.overview import HeaderInfo
from gitops_tui.ui.timeline import short

Clock = Callable[[float], str]


class HeaderBar(Static):
    COMPONENT_CLASSES = {
        "header--title",
        "header--on",
        "header--off",
        "header--bad",
        "header--muted",
        *BADGE_STYLES,
    }

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._info = HeaderInfo(status="starting…")

    def show(self, info: HeaderInfo) -> None:
        if info != self._info:
            self._info = info
            self.update(self._render_info())

    def on_mount(self) -> None:
        self.update(self._render_info())

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name)

    def _render_info(self) -> Text:
        info = self._info
        first = Text(no_wrap=True, overflow="ellipsis")
        first.append("gitops-tui", self._style("header--title"))
        if info.provider:
            first.append(f"  ⎈ {info.provider} {info.cluster}")
        if not info.reachable:
            first.append("  ✗ cluster unreachable", self._style("header--bad"))
        if info.head is not None or info.revision is not None:
            first.append(f"  HEAD {short(info.head)} ")
            first.append(info.message, self._style("header--muted"))
        if info.rejected is not None:
            first.append(f"  ✗ {short(info.rejected)} rejected", self._style("header--bad"))
        if info.uncommitted:
            first.append(f"  ✎ {info.uncommitted} uncommitted", self._style("badge--warn"))
        second = Text(no_wrap=True, overflow="ellipsis")
        if info.status:
            second.append(info.status, self._style("header--muted"))
            return Text("\n", no_wrap=True, overflow="ellipsis").join((first, second))
        for toggle in Toggle:
            enabled = info.toggles.get(toggle, False)
            style = self._style("header--on" if enabled else "header--off")
            second.append(f"{toggle.value}:{'on' if enabled else 'off'}", style)
            second.append(" ")
        second.append("│")
        for status in SyncStatus:
            count = info.counts.get(status, 0)
            if count or status is SyncStatus.SYNCED:
                badge = SYNC_BADGES[status]
                second.append(f" {badge.symbol}{count} {badge.word}", self._style(badge.style))
        second.append(" │ ")
        if info.syncing:
            second.append("⟳ syncing…", self._style("badge--info"))
        elif info.last_sync is not None:
            last = info.last_sync
            verdict = "synced" if last.ok else "sync failed"
            style = self._style("header--muted" if last.ok else "header--bad")
            at = self._clock(last.started_at)
            second.append(f"{verdict} {at} in {last.duration_ms:.0f} ms", style)
        else:
            second.append("not synced yet", self._style("header--muted"))
        return Text("\n", no_wrap=True, overflow="ellipsis").join((first, second))
