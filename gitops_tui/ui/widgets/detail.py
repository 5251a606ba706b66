"""The selected resource: desired | live YAML side by side, drifted fields lit up, and who did it.

The drifted paths are listed first with their desired and live values and the field manager
that wrote the live value (``kubectl-scale``, ``kubectl-edit``...), because that list is what a
reader needs at 80x24; the YAML below shows the same fields in context. Secret values are
masked before anything is drawn.
"""

from __future__ import annotations

import json
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from gitops_tui.engine.diff import MASK, normalize_for_display
from gitops_tui.model import ResourceState
from gitops_tui.ui.badges import BADGE_STYLES, health_badge, sync_badge
from gitops_tui.ui.preview import PENDING_MARKS
from gitops_tui.ui.rows import Row
from gitops_tui.ui.yamlview import masked, yaml_lines

_VALUE_WIDTH = 40


class DetailPane(VerticalScroll):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "detail--title",
        "detail--drift",
        "detail--muted",
        "detail--heading",
        *BADGE_STYLES,
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._body = Static(id="detail-body")
        self._row: Row | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._body

    def show(self, row: Row | None) -> None:
        if row == self._row and self._row is not None:
            return
        if row is None or self._row is None or row.key != self._row.key:
            self.scroll_home(animate=False)
        self._row = row
        self._body.update(self._render_row(row))

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name)

    def _render_row(self, row: Row | None) -> RenderableType:
        if row is None or row.key is None:
            return Text(
                "Select a resource to see its desired and live state.", self._style("detail--muted")
            )
        parts: list[RenderableType] = [self._title(row)]
        state = row.state
        if state is None:
            parts.append(
                Text(
                    "Only in the working tree: commit it (c) to deploy it.",
                    self._style("detail--muted"),
                )
            )
            return Group(*parts)
        if state.drift:
            parts.append(self._drift(state))
        parts.append(self._yaml(state))
        return Group(*parts)

    def _title(self, row: Row) -> Text:
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(str(row.key), self._style("detail--title"))
        state = row.state
        if state is not None:
            sync = sync_badge(state.sync)
            if state.sync is not None:
                title.append(f"  {sync.text}", self._style(sync.style))
            health = health_badge(state.health)
            title.append(f"  {health.text}", self._style(health.style))
            if state.health_message:
                title.append(f" ({state.health_message})", self._style("detail--muted"))
            if state.source:
                title.append(f"  {state.source}", self._style("detail--muted"))
            if state.owner is not None:
                title.append(f"  owned by {state.owner}", self._style("detail--muted"))
        if row.pending is not None:
            symbol, word = PENDING_MARKS[row.pending]
            title.append(f"  {symbol} {word} in the working tree", self._style("badge--warn"))
        return title

    def _drift(self, state: ResourceState) -> Table:
        table = Table(
            title=f"Drifted fields ({len(state.drift)})",
            title_justify="left",
            title_style=self._style("detail--heading"),
            box=None,
            pad_edge=False,
            expand=True,
        )
        table.add_column("path", style=self._style("detail--drift"), ratio=3)
        table.add_column("desired", ratio=2)
        table.add_column("live", ratio=2)
        table.add_column("changed by", ratio=2)
        secret = state.key.kind == "Secret" and not state.key.group
        for drift in state.drift:
            hidden = secret and drift.path.startswith((".data", ".stringData"))
            desired, live = (MASK, MASK) if hidden else (_value(drift.desired), _value(drift.live))
            table.add_row(drift.path, desired, live, drift.manager or "unknown")
        return table

    def _yaml(self, state: ResourceState) -> Table:
        paths = [d.path for d in state.drift]
        table = Table(box=None, pad_edge=False, expand=True, show_edge=False)
        heading = self._style("detail--heading")
        table.add_column("Desired (Git)", header_style=heading, ratio=1, no_wrap=True)
        table.add_column("Live (cluster)", header_style=heading, ratio=1, no_wrap=True)
        table.add_row(
            self._side(state.desired, paths, "not in Git"),
            self._side(state.live, paths, "not in the cluster"),
        )
        return table

    def _side(self, obj: dict[str, object] | None, paths: list[str], absent: str) -> Text:
        if obj is None:
            return Text(absent, self._style("detail--muted"))
        shown = normalize_for_display(masked(obj) or {}, secret=obj.get("kind") == "Secret")
        text = Text()
        drift_style = self._style("detail--drift")
        for line in yaml_lines(shown, paths):
            text.append(line.text + "\n", drift_style if line.drifted else None)
        text.rstrip()
        return text


def _value(value: object) -> str:
    text = "(none)" if value is None else json.dumps(value, default=str)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"
