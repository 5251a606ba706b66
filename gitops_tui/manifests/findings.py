"""What a check says about a repository: a finding with a severity, a rule id and a place.

Kept apart from loading and validation so every producer (YAML parser, kustomize, schemas,
lint rules, server dry run) and every consumer (CLI formats, the TUI, the watcher) share one
small vocabulary of frozen values.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from gitops_tui.model import ResourceKey


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class SourcePos:
    """A place in the repository: repo-relative path, 1-based line and column."""

    path: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    """One diagnostic; ``source`` and ``key`` are None when no file or object applies."""

    severity: Severity
    rule: str
    message: str
    source: SourcePos | None
    key: ResourceKey | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def sort_key(finding: Finding) -> tuple[str, int, int, str, str]:
    """Order findings by file, line, column, then rule, as a reader scans them."""
    source = finding.source
    if source is None:
        return ("", 0, 0, finding.rule, finding.message)
    return (source.path, source.line, source.column, finding.rule, finding.message)
