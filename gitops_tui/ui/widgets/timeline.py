"""The timeline pane: newest first, one line per commit, sync, drift and what became of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from gitops_tui.ui.timeline import Entry

Clock = Callable[[float], str]


class TimelineView(VerticalScroll):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--time",
        "timeline--good",
        "timeline--warn",
        "timeline--bad",
        "timeline--info",
    }

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._body = Static("Nothing has happened yet.", id="timeline-body")
        self._entries: tuple[Entry, ...] = ()

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._body

    def show(self, entries: tuple[Entry, ...]) -> None:
        if entries == self._entries:
            return
        self._entries = entries
        text = Text(no_wrap=False)
        time_style = self.get_component_rich_style("timeline--time")
        for n, entry in enumerate(entries):
            if n:
                text.append("\n")
            tone = self.get_component_rich_style(f"timeline--{entry.tone}")
            text.append(f"{self._clock(entry.at)} ", time_style)
            text.append(f"{entry.symbol} ", tone)
            text.append(entry.text)
            if entry.outcome:
                text.append(f" → {entry.outcome}", tone)
        self._body.update(text if entries else "Nothing has happened yet.")
