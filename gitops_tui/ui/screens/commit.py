"""``c``: the files a commit would take, and its message. Enter commits and pushes.

The file list is read by a worker (``git status`` can take a moment on a big tree); the dialog
answers the message typed, and the app's ``git`` worker does the commit.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from gitops_tui.ui.messages import ActionFailed, StatusRead
from gitops_tui.workspace import Workspace, WorkspaceError


class CommitScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self._workspace = workspace

    def compose(self) -> ComposeResult:
        with Vertical(id="commit", classes="dialog"):
            yield Static("Reading the working tree…", id="commit-files")
            yield Input(
                placeholder="commit message (Enter commits and pushes)", id="commit-message"
            )

    def on_mount(self) -> None:
        box = self.query_one("#commit")
        box.border_title = "Commit"
        box.border_subtitle = "Enter: commit and push · Esc: cancel"
        self.query_one("#commit-message", Input).focus()
        self._read_status()

    @work(thread=True, group="git", exclusive=True)
    def _read_status(self) -> None:
        try:
            status = self._workspace.status()
        except WorkspaceError as exc:
            self.post_message(ActionFailed("status", str(exc)))
            return
        self.post_message(StatusRead(status))

    @on(StatusRead)
    def _show_status(self, message: StatusRead) -> None:
        status = message.status
        text = Text()
        if status.changes:
            text.append(f"{len(status.changes)} changed file(s):\n")
            for change in status.changes:
                text.append(f"  {change.kind.value:<9} {change.path}\n")
        else:
            text.append("No manifest changed since the last commit.\n")
        if status.ahead:
            text.append(f"{status.ahead} earlier commit(s) not pushed yet: they are pushed too.\n")
        self.query_one("#commit-files", Static).update(text)

    @on(ActionFailed)
    def _show_failure(self, message: ActionFailed) -> None:
        files = self.query_one("#commit-files", Static)
        files.add_class("-error")
        files.update(message.reason)

    @on(Input.Submitted, "#commit-message")
    def _submit(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())
        else:
            self.notify("A commit needs a message: say what the change is for.", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)
