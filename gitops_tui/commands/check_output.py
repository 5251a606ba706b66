"""How ``gitops-tui check`` prints a report: like a compiler, as JSON, or for GitHub Actions.

``text`` lines read ``path:line:col: severity rule-id: message`` so editors and terminals make
them clickable; ``github`` turns findings into workflow commands that annotate the pull
request's diff; ``json`` is a stable schema (``"schema": 1``, documented in docs/check.md) for
other tools. Paths are shown relative to the current directory, as the user typed them.
Nothing printed here can hold a Secret value: findings never quote one and the diff items
arrive masked.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_tui.commands.changes import Action, BaseRevision, Change
from gitops_tui.engine.diff import DiffItem
from gitops_tui.manifests.findings import Finding, Severity
from gitops_tui.model import ResourceKey

if TYPE_CHECKING:  # the cluster client is only loaded for --server
    from gitops_tui.commands.server_check import ServerResult

JSON_SCHEMA_VERSION = 1
_SHOWN_CHARS = 120
_SYMBOL = {Action.CREATE: "+", Action.CHANGE: "~", Action.DELETE: "-"}
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


@dataclass(frozen=True)
class Report:
    """Everything one run of ``check`` found, ready to print."""

    root: Path
    kubernetes_version: str
    resources: int
    findings: tuple[Finding, ...]
    #: The entry points checked (``manifests.entries``): one, unless the folder holds several.
    entries: tuple[str, ...] = (".",)
    base: BaseRevision | None = None
    changes: tuple[Change, ...] = ()
    server: ServerResult | None = None

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity is severity)


def shown_path(root: Path, path: str) -> str:
    """A repository-relative path as seen from the current directory (absolute outside it)."""
    relative = os.path.relpath(root / path)
    return str(root / path) if relative.startswith("..") else relative


def _value(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def _diff_line(item: DiffItem) -> str:
    if item.op == "add":
        return f"+ {item.path}: {_value(item.desired)}"
    if item.op == "remove":
        return f"- {item.path}: {_value(item.live)}"
    return f"~ {item.path}: {_value(item.live)} -> {_value(item.desired)}"


def _change_lines(report: Report) -> list[str]:
    if report.base is None:
        return []
    counts = {action: sum(1 for c in report.changes if c.action is action) for action in Action}
    lines = [
        f"Changes against {report.base.name} ({report.base.commit[:12]}): "
        f"{counts[Action.CREATE]} to create, {counts[Action.CHANGE]} to change, "
        f"{counts[Action.DELETE]} to delete"
    ]
    for change in report.changes:
        where = f"{shown_path(report.root, change.source.path)}:{change.source.line}"
        entry = f" in {change.entry}" if len(report.entries) > 1 else ""
        lines.append(
            f"  {_SYMBOL[change.action]} {change.action.value} {change.key}{entry}  ({where})"
        )
        lines.extend(f"      {_diff_line(item)}" for item in change.diff)
    return lines


def _summary(report: Report) -> str:
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    return (
        f"{errors} error(s), {warnings} warning(s) in {report.resources} resource(s) "
        f"(Kubernetes {report.kubernetes_version})"
    )


def _location(report: Report, finding: Finding) -> str:
    if finding.source is None:
        return "gitops-tui"
    source = finding.source
    return f"{shown_path(report.root, source.path)}:{source.line}:{source.column}"


def text(report: Report) -> str:
    lines = [
        f"{_location(report, f)}: {f.severity.value} {f.rule}: {f.message}" for f in report.findings
    ]
    if report.server is not None:
        prefix = "" if report.server.ran else "warning: "
        lines.append(f"{prefix}{report.server.note}")
    lines.extend(_change_lines(report))
    lines.append(_summary(report))
    return "\n".join(lines)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(report: Report) -> str:
    lines = []
    for finding in report.findings:
        level = _GITHUB_LEVEL[finding.severity]
        properties = f"title={_escape_property(finding.rule)}"
        if finding.source is not None:
            source = finding.source
            file = _escape_property(shown_path(report.root, source.path))
            properties = f"file={file},line={source.line},col={source.column},{properties}"
        lines.append(f"::{level} {properties}::{_escape_data(finding.message)}")
    if report.server is not None and not report.server.ran:
        lines.append(f"::warning title=server-dry-run::{_escape_data(report.server.note)}")
    changes = _change_lines(report)
    if changes:
        lines.extend(["::group::" + _escape_data(changes[0]), *changes[1:], "::endgroup::"])
    lines.append(_summary(report))
    return "\n".join(lines)


def _key_json(key: ResourceKey | None) -> dict[str, str] | None:
    if key is None:
        return None
    return {"group": key.group, "kind": key.kind, "namespace": key.namespace, "name": key.name}


def _finding_json(report: Report, finding: Finding) -> dict[str, Any]:
    source = finding.source
    return {
        "severity": finding.severity.value,
        "rule": finding.rule,
        "message": finding.message,
        "file": shown_path(report.root, source.path) if source else None,
        "line": source.line if source else None,
        "column": source.column if source else None,
        "resource": _key_json(finding.key),
    }


def _change_json(report: Report, change: Change) -> dict[str, Any]:
    return {
        "action": change.action.value,
        "entry": change.entry,
        "resource": _key_json(change.key),
        "file": shown_path(report.root, change.source.path),
        "line": change.source.line,
        "diff": [
            {"op": item.op, "path": item.path, "base": item.live, "current": item.desired}
            for item in change.diff
        ],
    }


def as_json(report: Report) -> str:
    document: dict[str, Any] = {
        "schema": JSON_SCHEMA_VERSION,
        "kubernetesVersion": report.kubernetes_version,
        "resources": report.resources,
        "entries": list(report.entries),
        "summary": {
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
            "infos": report.count(Severity.INFO),
        },
        "findings": [_finding_json(report, finding) for finding in report.findings],
        "changes": None,
        "server": None,
    }
    if report.base is not None:
        document["changes"] = {
            "base": report.base.name,
            "commit": report.base.commit,
            "resources": [_change_json(report, change) for change in report.changes],
        }
    if report.server is not None:
        document["server"] = {"ran": report.server.ran, "message": report.server.note}
    return json.dumps(document, indent=2, default=str)


FORMATS: dict[str, Callable[[Report], str]] = {"text": text, "json": as_json, "github": github}
