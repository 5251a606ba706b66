"""``r``: the deployed branch's commits; pick one, see what reverting it changes, confirm.

The preview is read off the commit itself (the objects it created, changed and deleted, as
rendered by the workspace layer): reverting deletes what it created, restores what it deleted
and changes back what it changed. ``y`` confirms; the app's ``git`` worker makes the revert.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from gitops_tui.ui.messages import ActionFailed, HistoryRead
from gitops_tui.ui.timeline import short
from gitops_tui.workspace import HistoryEntry, Workspace, WorkspaceError

#: Commits listed.
LIMIT = 50


class HistoryScreen(Screen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Revert"),
        Binding("escape,q,n", "cancel", "Back"),
    ]

    def __init__(self, workspace: Workspace, *, time_format: str = "%Y-%m-%d %H:%M") -> None:
        super().__init__()
        self._workspace = workspace
        self._entries: dict[str, HistoryEntry] = {}
        self._chosen: str | None = None
        self._time_format = time_format

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield OptionList(id="commits")
            with VerticalScroll(id="revert-preview"):
                yield Static("Reading the history…", id="revert-text")
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.query_one("#commits").border_title = "History of the deployed branch"
        self.query_one("#revert-preview").border_title = "Reverting it would"
        self.query_one("#commits", OptionList).focus()
        self._read_history()

    @work(thread=True, group="git", exclusive=True)
    def _read_history(self) -> None:
        try:
            entries = self._workspace.history(LIMIT)
        except WorkspaceError as exc:
            self.post_message(ActionFailed("history", str(exc)))
            return
        self.post_message(HistoryRead(entries))

    @property
    def entries(self) -> tuple[HistoryEntry, ...]:
        return tuple(self._entries.values())

    @on(HistoryRead)
    def _show_history(self, message: HistoryRead) -> None:
        self._entries = {entry.sha: entry for entry in message.entries}
        commits = self.query_one("#commits", OptionList)
        commits.clear_options()
        commits.add_options(Option(self._line(entry), id=entry.sha) for entry in message.entries)
        if message.entries:
            commits.highlighted = 0
        else:
            self._say("The sandbox has no commits yet.")

    @on(ActionFailed)
    def _show_failure(self, message: ActionFailed) -> None:
        self._say(message.reason)

    @on(OptionList.OptionHighlighted, "#commits")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._chosen = None
        entry = self._entries.get(event.option.id or "")
        if entry is not None:
            self.query_one("#revert-text", Static).update(self._preview(entry))

    @on(OptionList.OptionSelected, "#commits")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_choose()

    def action_choose(self) -> None:
        commits = self.query_one("#commits", OptionList)
        if commits.highlighted is None:
            return
        sha = commits.get_option_at_index(commits.highlighted).id
        entry = self._entries.get(sha or "")
        if entry is None:
            return
        self._chosen = entry.sha
        text = self._preview(entry)
        text.append(f"\nRevert {short(entry.sha)} “{entry.summary}”?  y: revert and push · n: no")
        self.query_one("#revert-text", Static).update(text)

    def action_confirm(self) -> None:
        if self._chosen is None:
            self.action_choose()
            if self._chosen is None:
                return
        self.dismiss(self._chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _say(self, text: str) -> None:
        self.query_one("#revert-text", Static).update(text)

    def _line(self, entry: HistoryEntry) -> Text:
        changes = entry.resources
        counts = f"+{len(changes.created)} ~{len(changes.changed)} -{len(changes.deleted)}"
        when = entry.authored_at.strftime(self._time_format)
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f"{short(entry.sha)} ")
        line.append(f"{when} ")
        line.append(f"{counts:<10} ")
        line.append(entry.summary)
        return line

    def _preview(self, entry: HistoryEntry) -> Text:
        changes = entry.resources
        text = Text()
        text.append(f"{short(entry.sha)} {entry.summary} ({entry.author_name})\n")
        if entry.findings:
            text.append("This commit could not be deployed:\n")
            for finding in entry.findings:
                text.append(f"  {finding.source or ''} {finding.message}\n")
        undo = (
            ("delete", changes.created),
            ("restore", changes.deleted),
            ("change back", changes.changed),
        )
        if not changes:
            text.append("Nothing in the cluster would change.\n")
        for verb, keys in undo:
            for key in keys:
                text.append(f"  {verb} {key}\n")
        return text
