"""Problems shown where they happen: a broken manifest with its file and line, a revision the
agent refused, a cluster that stopped answering. Hidden when there is nothing wrong.

The trees keep showing the last good state underneath, so a half-typed edit never blanks the
screen; this bar says why the preview is not moving.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from gitops_tui.manifests.findings import Finding

#: Lines shown before "and N more (w: working tree)".
SHOWN = 3


class DiagnosticsBar(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"diagnostics--error", "diagnostics--warning"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: tuple[tuple[str, bool], ...] = ()
        self.display = False

    def show(self, problems: tuple[tuple[str, bool], ...]) -> None:
        """``problems`` as (text, is_error), most important first."""
        if problems == self._lines:
            return
        self._lines = problems
        self.display = bool(problems)
        text = Text()
        error = self.get_component_rich_style("diagnostics--error")
        warning = self.get_component_rich_style("diagnostics--warning")
        for n, (line, is_error) in enumerate(problems[:SHOWN]):
            if n:
                text.append("\n")
            text.append(("✗ " if is_error else "! ") + line, error if is_error else warning)
        if len(problems) > SHOWN:
            text.append(f"\n… and {len(problems) - SHOWN} more (w: working tree)", warning)
        self.update(text)


def finding_line(finding: Finding) -> str:
    where = f"{finding.source.path}:{finding.source.line}" if finding.source else "repository"
    return f"{where}: {finding.message} [{finding.rule}]"
