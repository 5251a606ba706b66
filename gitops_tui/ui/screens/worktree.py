"""``w``: the working tree against Git's HEAD: files changed, objects a commit would add,
change or remove, and every problem in the manifests with its file and line.

Kept up to date while open: the app hands it each new preview the watcher produces.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from gitops_tui.ui.preview import PENDING_MARKS, Preview
from gitops_tui.ui.timeline import short
from gitops_tui.ui.widgets.diagnostics import finding_line


class WorkingTreeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,w", "app.pop_screen", "Back"),
        Binding("c", "app.commit", "Commit"),
    ]

    def __init__(self, preview: Preview | None) -> None:
        super().__init__()
        self._preview = preview

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="worktree"):
            yield Static(id="worktree-text")
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.query_one("#worktree").border_title = "Working tree vs Git"
        self.show(self._preview)

    def show(self, preview: Preview | None) -> None:
        self._preview = preview
        self.query_one("#worktree-text", Static).update(_describe(preview))


def _describe(preview: Preview | None) -> Text:
    text = Text()
    if preview is None:
        text.append("Reading the working tree…")
        return text
    text.append(f"Compared with HEAD {short(preview.head)}.\n\n")
    if preview.files:
        text.append("Uncommitted files:\n", "bold")
        for change in preview.files:
            text.append(f"  {change.kind.value:<9} {change.path}\n")
    else:
        text.append("No uncommitted manifest files.\n")
    text.append("\n")
    if preview.pending:
        text.append("A commit would:\n", "bold")
        for key, pending in sorted(preview.pending.items(), key=lambda item: item[0]):
            symbol, word = PENDING_MARKS[pending]
            text.append(f"  {symbol} {word:<8} {key}\n")
    else:
        text.append("A commit would change no object.\n")
    if preview.stale:
        text.append("\nShowing the last good objects of: ", "bold")
        text.append(", ".join(sorted(preview.stale)) + "\n")
    if preview.findings:
        text.append(f"\nProblems ({len(preview.findings)}):\n", "bold")
        for finding in preview.findings:
            mark = "✗" if finding.is_error else "!"
            text.append(f"  {mark} {finding_line(finding)}\n")
    return text
