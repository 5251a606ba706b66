"""``e``: change the selected live object by hand, as a person with kubectl would.

Pick a change, adjust the value offered (Enter keeps it), and the app makes it through the
Kubernetes API under kubectl's field manager; the agent then notices, attributes and (with
self-heal on) undoes it. "Real kubectl edit" opens ``$EDITOR`` on the live object instead.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from gitops_tui.model import ResourceState
from gitops_tui.ui.simulation import Choice, Simulation, choices, first_container


class EditScreen(ModalScreen[Simulation | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, state: ResourceState) -> None:
        super().__init__()
        self._state = state
        self._choices = {choice.action: choice for choice in choices(state)}
        self._chosen: Choice | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="edit", classes="dialog"):
            yield Static(f"Change {self._state.key} in the cluster, behind Git's back:")
            yield OptionList(
                *(Option(c.label, id=c.action) for c in self._choices.values()), id="edit-choices"
            )
            yield Input(id="edit-value")

    def on_mount(self) -> None:
        box = self.query_one("#edit")
        box.border_title = "Simulate a manual edit"
        box.border_subtitle = "Enter: choose · Esc: cancel"
        self.query_one("#edit-value").display = False
        self.query_one("#edit-choices", OptionList).focus()

    @on(OptionList.OptionSelected, "#edit-choices")
    def _chosen_option(self, event: OptionList.OptionSelected) -> None:
        self.choose(event.option.id or "")

    def choose(self, action: str) -> None:
        """Pick ``action``: done at once if it takes no value, else ask for the value."""
        choice = self._choices[action]
        if choice.default is None:
            self.dismiss(Simulation(action, self._state.key))
            return
        self._chosen = choice
        field = self.query_one("#edit-value", Input)
        field.value = choice.default
        field.placeholder = choice.label
        field.display = True
        field.focus()

    @on(Input.Submitted, "#edit-value")
    def _submit(self, event: Input.Submitted) -> None:
        if self._chosen is None:
            return
        container = first_container(self._state)
        self.dismiss(
            Simulation(
                self._chosen.action,
                self._state.key,
                event.value,
                container[0] if container else None,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
