"""The main screen: header, the two trees, the selected resource's detail, the timeline.

It draws the :class:`~gitops_tui.ui.view.View` the app hands it and filters rows as the user
types; every key that does something (commit, sync, revert...) is an app action, because the
app owns the session and the workers.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input

from gitops_tui.model import ResourceKey
from gitops_tui.ui.messages import ResourceSelected
from gitops_tui.ui.rows import Entry, Row, arrange, visible
from gitops_tui.ui.timeline import short
from gitops_tui.ui.view import View
from gitops_tui.ui.widgets.detail import DetailPane
from gitops_tui.ui.widgets.diagnostics import DiagnosticsBar
from gitops_tui.ui.widgets.grid import ResourceGrid
from gitops_tui.ui.widgets.header import Clock, HeaderBar
from gitops_tui.ui.widgets.keybar import KeyBar
from gitops_tui.ui.widgets.timeline import TimelineView

#: The keys, in the footer's order; k9s's where k9s has one (``/``, ``:``, ``?``, ``e``).
KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("c", "c", "app.commit", "Commit"),
    ("s", "s", "app.sync", "Sync"),
    ("r", "r", "app.history", "Revert"),
    ("e", "e", "app.simulate", "Edit"),
    ("a", "a", "app.flip('auto-sync')", "Auto-sync"),
    ("h", "h", "app.flip('self-heal')", "Self-heal"),
    ("p", "p", "app.flip('prune')", "Prune"),
    ("slash", "/", "filter", "Filter"),
    ("colon", ":", "app.palette", "Command"),
    ("w", "w", "app.working_tree", "Working tree"),
    ("t", "t", "timeline", "Timeline"),
    ("question_mark", "?", "app.help", "Help"),
    ("q", "q", "app.quit", "Quit"),
)


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, action, label, show=False) for key, _, action, label in KEYS),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("tab", "app.focus_next", "Next pane", show=False),
    ]

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self._clock = clock
        self._view: View | None = None
        self._entries: tuple[Entry, ...] = ()
        self._query = ""
        self._detail_due = False
        self.header = HeaderBar(clock, id="header")
        self.diagnostics = DiagnosticsBar(id="diagnostics")
        self.grid = ResourceGrid(id="grid")
        self.detail = DetailPane(id="detail")
        self.timeline = TimelineView(clock, id="timeline")
        self.filter_bar = Vertical(id="filter-bar")
        self.filter_input = Input(placeholder="filter: kind, name, namespace, status…", id="filter")

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.diagnostics
        yield self.grid
        with Horizontal(id="lower"):
            yield self.detail
            yield self.timeline
        with self.filter_bar:
            yield self.filter_input
        yield KeyBar(tuple((shown, label) for _, shown, _, label in KEYS), id="keys")

    def on_mount(self) -> None:
        self.timeline.border_title = "Timeline"
        self.filter_bar.display = False
        self.grid.focus()

    @property
    def selected(self) -> Row | None:
        row = self.grid.cursor_row
        return row if row is not None and row.key is not None else None

    @property
    def view(self) -> View | None:
        return self._view

    @property
    def query_text(self) -> str:
        return self._query

    def show(self, view: View) -> None:
        """Draw ``view``; the trees are regrouped only when resources or pending edits changed."""
        old = self._view
        self._view = view
        self.header.show(view.header)
        self.diagnostics.show(view.problems)
        self.timeline.show(view.timeline)
        if old is None or old.resources is not view.resources or old.pending != view.pending:
            self._entries = arrange(view.resources, view.pending)
            self._refilter()
        elif old.header.head != view.header.head:
            self._refilter()

    def select(self, key: ResourceKey) -> bool:
        return self.grid.select(key)

    def _refilter(self) -> None:
        head = self._view.header.head if self._view else None
        title = f"Desired · Git {short(head)}" if head else "Desired · Git HEAD"
        self.grid.show(visible(self._entries, self._query), title)
        self._show_detail()

    def _show_detail(self) -> None:
        self._detail_due = False
        self.detail.show(self.selected)

    @on(ResourceSelected)
    def _selected(self, message: ResourceSelected) -> None:
        # The cursor's move is painted first; the detail follows in the next frame, once for
        # however many moves arrived meanwhile (a held-down arrow key).
        if not self._detail_due:
            self._detail_due = True
            self.call_after_refresh(self._show_detail)

    def action_filter(self) -> None:
        self.filter_bar.display = True
        self.filter_input.focus()

    def action_clear_filter(self) -> None:
        self.filter_input.value = ""
        self.filter_bar.display = False
        self.grid.focus()

    def action_timeline(self) -> None:
        self.toggle_class("-timeline")

    def apply_filter(self, query: str) -> None:
        self._query = query
        self._refilter()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.apply_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        if not event.value:
            self.filter_bar.display = False
        self.grid.focus()
