"""Every key of the main screen, always visible: wraps onto a second line at 80 columns.

Textual's footer scrolls keys that do not fit out of sight; thirteen keys do not fit in 80
columns, and a key nobody can see is a key nobody uses.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import Static


class KeyBar(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key"}

    def __init__(self, keys: tuple[tuple[str, str], ...], *, id: str | None = None) -> None:
        """``keys``: (key as shown, what it does)."""
        super().__init__(id=id)
        self._keys = keys

    def on_mount(self) -> None:
        key_style = self.get_component_rich_style("keybar--key")
        text = Text()
        for n, (key, label) in enumerate(self._keys):
            if n:
                text.append(" ")
            text.append(f" {key} ", key_style)
            text.append(label)
        self.update(text)
