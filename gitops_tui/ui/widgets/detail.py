"""The selected resource: desired | live YAML side by side, drifted fields lit up, and who did it.

The drifted paths are listed first with their desired and live values and the field manager
that wrote the live value (``kubectl-scale``, ``kubectl-edit``...), because that list is what a
reader needs at 80x24; the YAML below shows the same fields in context. Secret values are
masked before anything is drawn.

Drawn with the line API and scrolled by the pane itself (its title says which lines show), so
moving the cursor swaps this pane's lines without resizing anything: no layout pass of the whole
screen, and a held-down arrow key stays smooth.
"""

from __future__ import annotations

import json
from itertools import zip_longest
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.strip import Strip
from textual.widget import Widget

from gitops_tui.engine.diff import MASK, normalize_for_display
from gitops_tui.model import ResourceState
from gitops_tui.ui.badges import BADGE_STYLES, health_badge, sync_badge
from gitops_tui.ui.preview import PENDING_MARKS
from gitops_tui.ui.rows import Row
from gitops_tui.ui.yamlview import masked, yaml_lines

_VALUE_WIDTH = 40
#: A line of the pane: one text across the width, or a desired | live pair.
_Line = Text | tuple[Text, Text]


class DetailPane(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "scroll_by(-1)", "Up", show=False),
        Binding("down,j", "scroll_by(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("home,g", "scroll_by(-1000000)", "Top", show=False),
        Binding("end,G", "scroll_by(1000000)", "Bottom", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "detail--title",
        "detail--drift",
        "detail--muted",
        "detail--heading",
        *BADGE_STYLES,
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._row: Row | None = None
        self._lines: list[_Line] = []
        self._strips: dict[tuple[int, int], Strip] = {}
        self._restyle = False
        self._top = 0

    def show(self, row: Row | None) -> None:
        if row == self._row and self._row is not None:
            return
        if row is None or self._row is None or row.key != self._row.key:
            self._top = 0
        self._row = row
        self._lines = self._build(row)
        self._strips.clear()
        self._scroll(0)

    def action_scroll_by(self, lines: int) -> None:
        self._scroll(lines)

    def action_page(self, direction: int) -> None:
        self._scroll(direction * max(1, self.content_region.height - 1))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._scroll(3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._scroll(-3)

    def on_resize(self, event: events.Resize) -> None:
        self._scroll(0)

    def _scroll(self, lines: int) -> None:
        height = self.content_region.height
        self._top = max(0, min(self._top + lines, len(self._lines) - height))
        below = len(self._lines) - self._top - height
        title = "Detail"
        if self._top or below > 0:
            last = min(len(self._lines), self._top + height)
            title += f" · lines {self._top + 1}-{last} of {len(self._lines)}"
        self.border_title = title
        self.refresh()

    def notify_style_update(self) -> None:
        """The theme changed: the lines carry its colours, so build them again."""
        super().notify_style_update()
        self._restyle = True
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        if self._restyle:
            self._restyle = False
            self._lines = self._build(self._row)
        width = self.content_region.width
        index = self._top + y
        if index >= len(self._lines):
            return Strip.blank(width)
        strip = self._strips.get((index, width))
        if strip is None:
            strip = self._strips[(index, width)] = self._render_line(self._lines[index], width)
        return strip

    def _render_line(self, line: _Line, width: int) -> Strip:
        if isinstance(line, Text):
            return self._strip(line, width)
        left = (width - 1) // 2
        desired, live = line
        return Strip.join(
            [self._strip(desired, left), Strip.blank(1), self._strip(live, width - left - 1)]
        )

    def _strip(self, text: Text, width: int) -> Strip:
        fitted = text.copy()
        fitted.truncate(width, overflow="ellipsis", pad=True)
        return Strip(list(fitted.render(self.app.console)), width)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name)

    def _build(self, row: Row | None) -> list[_Line]:
        muted = self._style("detail--muted")
        if row is None or row.key is None:
            return [Text("Select a resource to see its desired and live state.", muted)]
        lines: list[_Line] = [self._title(row)]
        state = row.state
        if state is None:
            lines.append(Text("Only in the working tree: commit it (c) to deploy it.", muted))
            return lines
        if state.health_message:
            lines.append(Text(state.health_message, muted))
        if state.drift:
            lines.extend(self._drift(state))
        lines.append(Text(""))
        heading = self._style("detail--heading")
        lines.append((Text("Desired (Git)", heading), Text("Live (cluster)", heading)))
        paths = [d.path for d in state.drift]
        desired = self._side(state.desired, paths, "not in Git")
        live = self._side(state.live, paths, "not in the cluster")
        lines.extend(
            (left, right) for left, right in zip_longest(desired, live, fillvalue=Text(""))
        )
        return lines

    def _title(self, row: Row) -> Text:
        muted = self._style("detail--muted")
        title = Text()
        title.append(str(row.key), self._style("detail--title"))
        state = row.state
        if state is not None:
            if state.sync is not None:
                sync = sync_badge(state.sync)
                title.append(f"  {sync.text}", self._style(sync.style))
            health = health_badge(state.health)
            title.append(f"  {health.text}", self._style(health.style))
            if state.source:
                title.append(f"  {state.source}", muted)
            if state.owner is not None:
                title.append(f"  owned by {state.owner}", muted)
        if row.pending is not None:
            symbol, word = PENDING_MARKS[row.pending]
            title.append(f"  {symbol} {word} in the working tree", self._style("badge--warn"))
        return title

    def _drift(self, state: ResourceState) -> list[_Line]:
        lines: list[_Line] = [
            Text(f"Drifted fields ({len(state.drift)}):", self._style("detail--heading"))
        ]
        secret = state.key.kind == "Secret" and not state.key.group
        drift_style = self._style("detail--drift")
        for drift in state.drift:
            hidden = secret and drift.path.startswith((".data", ".stringData"))
            desired, live = (MASK, MASK) if hidden else (_value(drift.desired), _value(drift.live))
            line = Text("  ")
            line.append(drift.path, drift_style)
            line.append(f"  desired {desired}  live {live}  by {drift.manager or 'unknown'}")
            lines.append(line)
        return lines

    def _side(self, obj: dict[str, object] | None, paths: list[str], absent: str) -> list[Text]:
        if obj is None:
            return [Text(absent, self._style("detail--muted"))]
        shown = normalize_for_display(masked(obj) or {}, secret=obj.get("kind") == "Secret")
        drift_style = self._style("detail--drift")
        return [
            Text(line.text, drift_style if line.drifted else "")
            for line in yaml_lines(shown, paths)
        ]


def _value(value: object) -> str:
    text = "(none)" if value is None else json.dumps(value, default=str)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"
