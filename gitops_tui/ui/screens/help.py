"""``?``: every key, and what each badge symbol means (the symbols read without colour)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from gitops_tui.ui.badges import HEALTH_BADGES, SYNC_BADGES
from gitops_tui.ui.preview import PENDING_MARKS

#: What each key does, longer than the footer can say.
KEY_HELP: tuple[tuple[str, str], ...] = (
    ("c", "commit the working tree's changes and push them to the sandbox"),
    ("s", "sync now: apply the latest commit"),
    ("r", "history: pick a commit, preview its revert, confirm"),
    ("e", "simulate a manual edit of the selected resource (or a real kubectl edit)"),
    ("a", "auto-sync on/off: apply new commits as they land"),
    ("h", "self-heal on/off: undo changes made to the cluster by hand"),
    ("p", "prune on/off: delete objects removed from Git"),
    ("/", "filter the trees (kind, name, namespace, status); Esc clears"),
    (":", "command palette"),
    ("w", "working tree vs Git: uncommitted files and manifest problems"),
    ("t", "timeline pane on/off"),
    ("↑↓ j k", "move; PgUp/PgDn, g/G: page, top, bottom; Tab: next pane"),
    ("?", "this help"),
    ("q", "quit (the cluster and Git keep the state)"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(self._content())

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "Help"
        self.query_one("#help").border_subtitle = "Esc to close"

    def _content(self) -> Table:
        keys = Table(box=None, show_header=False, pad_edge=False)
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for key, text in KEY_HELP:
            keys.add_row(key, text)
        legend = Table(box=None, title="Badges", title_justify="left", pad_edge=False)
        legend.add_column("Sync")
        legend.add_column("Health")
        legend.add_column("Working tree")
        syncs = [b.text for b in SYNC_BADGES.values()]
        healths = [b.text for b in HEALTH_BADGES.values()]
        marks = [f"{symbol} {word}" for symbol, word in PENDING_MARKS.values()]
        for n in range(max(len(syncs), len(healths))):
            legend.add_row(
                *(column[n] if n < len(column) else "" for column in (syncs, healths, marks))
            )
        outer = Table.grid()
        outer.add_row(keys)
        outer.add_row(Text(""))
        outer.add_row(legend)
        return outer
