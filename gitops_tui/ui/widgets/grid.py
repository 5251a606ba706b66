"""Desired and live trees side by side, one resource per line, badges at the right.

Drawn with Textual's line API: only the lines on screen are rendered, so five thousand
resources cost what twenty do, and a filter or a new snapshot is a list swap. Both trees share
each line, so they stay aligned by construction. Line 0 is the column titles and stays put while
the rows scroll beneath it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gitops_tui.model import ResourceKey
from gitops_tui.ui.badges import BADGE_STYLES, health_badge, sync_badge
from gitops_tui.ui.messages import ResourceSelected
from gitops_tui.ui.preview import PENDING_MARKS, Pending
from gitops_tui.ui.rows import Row, RowKind

#: From this width on, badges carry their words as well as their symbols.
WIDE = 110
_TITLE_LINES = 1


class ResourceGrid(ScrollView, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False),
        Binding("home,g", "edge(0)", "Top", show=False),
        Binding("end,G", "edge(1)", "Bottom", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "grid--title",
        "grid--namespace",
        "grid--kind",
        "grid--cursor",
        "grid--pending",
        "grid--absent",
        "grid--separator",
        *BADGE_STYLES,
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: tuple[Row, ...] = ()
        self._cursor = 0
        self._selected: ResourceKey | None = None
        self._styles: dict[str, Style] = {}
        #: Drawn lines by (row index, width, under the cursor), until the rows change.
        self._strips: dict[tuple[int, int, bool], Strip] = {}
        self.desired_title = "Desired · Git HEAD"
        self.live_title = "Live · cluster"

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()

    def _style(self, name: str) -> Style:
        """A component class's style, looked up once per theme (lines are drawn often)."""
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(name)
        return style

    @property
    def rows(self) -> tuple[Row, ...]:
        return self._rows

    @property
    def cursor_row(self) -> Row | None:
        return self._rows[self._cursor] if self._rows else None

    def show(self, rows: tuple[Row, ...], desired_title: str | None = None) -> None:
        """Replace the rows, keeping the cursor on the same resource when it is still shown."""
        self._rows = rows
        self._strips.clear()
        if desired_title is not None:
            self.desired_title = desired_title
        index = self._index_of(self._selected)
        self._cursor = (
            index if index is not None else self._selectable(min(self._cursor, len(rows) - 1), 1)
        )
        self.virtual_size = Size(self.size.width, len(rows) + _TITLE_LINES)
        self._announce()
        self._keep_cursor_visible()
        self.refresh()

    def select(self, key: ResourceKey) -> bool:
        """Put the cursor on ``key``; whether it is shown."""
        index = self._index_of(key)
        if index is None:
            return False
        self._move_to(index)
        return True

    def action_move(self, step: int) -> None:
        self._move_to(self._selectable(self._cursor + step, step))

    def action_page(self, direction: int) -> None:
        page = max(1, self.scrollable_content_region.height - _TITLE_LINES)
        self._move_to(self._selectable(self._cursor + direction * page, direction))

    def action_edge(self, end: int) -> None:
        if end:
            self._move_to(self._selectable(len(self._rows) - 1, -1))
        else:
            self._move_to(self._selectable(0, 1))

    def on_click(self, event: events.Click) -> None:
        if event.y >= _TITLE_LINES:
            index = int(self.scroll_offset.y) + event.y - _TITLE_LINES
            if 0 <= index < len(self._rows):
                self._move_to(self._selectable(index, 1))

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self._rows) + _TITLE_LINES)

    def _index_of(self, key: ResourceKey | None) -> int | None:
        if key is None:
            return None
        for index, row in enumerate(self._rows):
            if row.key == key:
                return index
        return None

    def _selectable(self, index: int, step: int) -> int:
        """The nearest resource row from ``index`` in direction ``step`` (or back)."""
        if not self._rows:
            return 0
        index = max(0, min(index, len(self._rows) - 1))
        for direction in (1 if step >= 0 else -1, -1 if step >= 0 else 1):
            probe = index
            while 0 <= probe < len(self._rows):
                if self._rows[probe].kind is RowKind.RESOURCE:
                    return probe
                probe += direction
        return index

    def _move_to(self, index: int) -> None:
        if not self._rows:
            return
        old = self._cursor
        self._cursor = max(0, min(index, len(self._rows) - 1))
        self._announce()
        self._keep_cursor_visible()
        scroll = int(self.scroll_offset.y)
        for line in (old, self._cursor):
            self.refresh_lines(line - scroll + _TITLE_LINES)

    def _announce(self) -> None:
        row = self.cursor_row
        key = row.key if row is not None and row.kind is RowKind.RESOURCE else None
        if key != self._selected:
            self._selected = key
            self.post_message(ResourceSelected(key))

    def _keep_cursor_visible(self) -> None:
        height = self.scrollable_content_region.height - _TITLE_LINES
        if height <= 0:
            return
        top = int(self.scroll_offset.y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + height:
            self.scroll_to(y=self._cursor - height + 1, animate=False, immediate=True)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y < _TITLE_LINES:
            return self._title_line(width)
        index = int(self.scroll_offset.y) + y - _TITLE_LINES
        if index >= len(self._rows):
            return Strip.blank(width)
        row = self._rows[index]
        under_cursor = index == self._cursor
        strip = self._strips.get((index, width, under_cursor))
        if strip is None:
            segments = self._segments(row, width)
            if under_cursor:
                cursor = self._style("grid--cursor")
                segments = [
                    Segment(text, (style or Style()) + cursor) for text, style, _ in segments
                ]
            strip = self._strips[(index, width, under_cursor)] = Strip(segments, width)
        return strip

    def _layout(self, width: int) -> tuple[int, int, int, int]:
        """Widths of the desired cell, the live cell, and the two badges."""
        wide = width >= WIDE
        sync_w, health_w = (12, 14) if wide else (2, 2)
        inner = max(0, width - 1 - sync_w - health_w)
        left = inner // 2
        return left, inner - left, sync_w, health_w

    def _title_line(self, width: int) -> Strip:
        left, right, sync_w, health_w = self._layout(width)
        style = self._style("grid--title")
        sep = self._style("grid--separator")
        wide = sync_w > 2
        badges = f"{'Sync':<{sync_w}}{'Health':<{health_w}}" if wide else "S H "
        segments = [
            Segment(set_cell_size(f" {self.desired_title}", left), style),
            Segment("│", sep),
            Segment(set_cell_size(f" {self.live_title}", right), style),
            Segment(set_cell_size(badges, sync_w + health_w), style),
        ]
        return Strip(segments, width)

    def _segments(self, row: Row, width: int) -> list[Segment]:
        left, right, sync_w, health_w = self._layout(width)
        if row.kind is not RowKind.RESOURCE:
            name = "grid--namespace" if row.kind is RowKind.NAMESPACE else "grid--kind"
            label = f"▾ {row.label}" if row.kind is RowKind.NAMESPACE else f"  ▸ {row.label}"
            return [Segment(set_cell_size(label, width), self._style(name))]
        indent = "  " * row.depth
        absent = self._style("grid--absent")
        segments = self._desired_cell(row, indent, left)
        segments.append(Segment("│", self._style("grid--separator")))
        state = row.state
        if row.in_live:
            segments.append(Segment(set_cell_size(f"{indent}{row.label}", right)))
        elif state is not None:
            segments.append(
                Segment(set_cell_size(f"{indent}{row.label} (not live)", right), absent)
            )
        else:
            segments.append(Segment(" " * right))
        if state is None:
            segments.append(Segment(" " * (sync_w + health_w)))
            return segments
        wide = sync_w > 2
        for badge, cell in (
            (sync_badge(state.sync), sync_w),
            (health_badge(state.health), health_w),
        ):
            text = badge.text if wide else badge.symbol
            segments.append(Segment(set_cell_size(text, cell - 1), self._style(badge.style)))
            segments.append(Segment(" "))
        return segments

    def _desired_cell(self, row: Row, indent: str, width: int) -> list[Segment]:
        pending = row.pending
        if not row.in_desired and pending is not Pending.ADDED:
            return [Segment(" " * width)]
        name = f"{indent}{row.label}"
        if pending is None:
            return [Segment(set_cell_size(name, width))]
        symbol, word = PENDING_MARKS[pending]
        mark = f" {symbol} {word}"
        style = self._style("grid--pending")
        name_w = max(0, width - len(mark))
        if len(name) < name_w:
            name_w = len(name)
        return [
            Segment(set_cell_size(name, name_w)),
            Segment(set_cell_size(mark, width - name_w), style),
        ]
