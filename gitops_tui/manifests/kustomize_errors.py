"""Turn a failed kustomize build into findings on the line to fix, in words a person can act on.

kustomize reports one nested Go error string ("accumulating resources: accumulation
err='accumulating resources from '../base': ... lstat base/svc.yaml: no such file or
directory"), without any line. The usual causes are few: a YAML error in a file it read, a
listed file or folder that does not exist, an unknown field in a kustomization, a patch whose
target is not there. Each is recognised here and placed on the entry that causes it (YAML
errors come from our own parser, with line and column); anything else keeps kustomize's
innermost message, placed on the kustomization line naming the innermost quoted path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gitops_tui.manifests.findings import Finding, Severity, SourcePos
from gitops_tui.manifests.loader import (
    KUSTOMIZATION_FILES,
    manifest_paths,
    read_file,
    tree_paths,
)
from gitops_tui.manifests.yamlpos import parse, position_in

RULE = "kustomize"
_MISSING = re.compile(r"lstat (\S+?): no such file or directory")
_UNKNOWN_FIELD = re.compile(r'unknown field "([^"]+)"')
_PATCH_TARGET = re.compile(
    r'no resource matches (?:strategic merge )?patch "([^".]+)\.[^/"]*/([^."]+)'
)
_DUPLICATE = re.compile(r"already registered id: ([^.\s]+)\.[^/\s]*/([^.\s']+)")
_MERGING = re.compile(r"merging resources from '([^']+)'")
_QUOTED = re.compile(r"'([\w./-]+)'")
_NESTING = re.compile(r"accumulat\w+ (?:resources|err)[^:]*: ")
_LONGEST_MESSAGE = 400


@dataclass(frozen=True)
class _Kustomization:
    path: str
    lines: tuple[str, ...]

    @property
    def folder(self) -> PurePosixPath:
        return PurePosixPath(self.path).parent

    def find(self, token: str) -> SourcePos | None:
        """Where ``token`` is written as a value (a list entry or ``key: token``)."""
        pattern = re.compile(rf"(?:^|[\s:\-\[,'\"])({re.escape(token)})(?:$|[\s,\]'\"#])")
        for number, line in enumerate(self.lines, start=1):
            match = pattern.search(line)
            if match:
                return SourcePos(self.path, number, match.start(1) + 1)
        return None

    def key(self, name: str) -> SourcePos | None:
        for number, line in enumerate(self.lines, start=1):
            if re.match(rf"\s*{re.escape(name)}\s*:", line):
                return SourcePos(self.path, number, len(line) - len(line.lstrip()) + 1)
        return None


def _read(root: Path, path: str) -> bytes:
    return read_file(root / path) or b""


def _syntax_errors(root: Path, paths: Iterable[str]) -> list[Finding]:
    return [
        finding
        for path in paths
        for finding in parse(path, _read(root, path)).findings
        if finding.rule == "yaml-syntax"
    ]


def _missing(root: Path, kustomizations: list[_Kustomization], missing: str) -> Finding | None:
    """A listed file or folder that does not exist, found in the kustomization that lists it."""
    absolute = Path(missing).is_absolute()
    target = PurePosixPath(os.path.relpath(missing, root) if absolute else missing)
    for kustomization in kustomizations:
        reference = PurePosixPath(os.path.relpath(target, kustomization.folder)).as_posix()
        where = kustomization.find(reference)
        if where is not None:
            message = f"{reference!r} does not exist: fix the path or remove the entry"
            return Finding(Severity.ERROR, RULE, message, where)
    return None


def _named(root: Path, paths: list[str], kind: str, name: str) -> list[tuple[SourcePos, SourcePos]]:
    """Each document of ``kind`` ``name``: where it starts and where its name is written."""
    found = []
    for path in manifest_paths(paths):
        for doc in parse(path, _read(root, path)).documents:
            body, positions = doc.body, doc.positions
            if not isinstance(body, dict) or body.get("kind") != kind:
                continue
            metadata = body.get("metadata")
            if isinstance(metadata, dict) and metadata.get("name") == name:
                _, line, column = position_in(positions, ("metadata", "name"))
                start = SourcePos(path, positions[0], positions[1])
                found.append((start, SourcePos(path, line, column)))
    return found


def _duplicate(root: Path, paths: list[str], kind: str, name: str, merged: str) -> SourcePos | None:
    """The second definition of ``kind`` ``name``: the one in the file kustomize merged last."""
    found = [start for start, _ in _named(root, paths, kind, name)]
    later = [start for start in found if PurePosixPath(start.path).name == merged]
    candidates = later or found[1:]
    return candidates[-1] if candidates else None


def innermost(message: str) -> str:
    """kustomize's message without its nesting of "accumulating resources" wrappers."""
    parts = _NESTING.split(message)
    core = parts[-1].split("': must build at directory")[0].strip(" '")
    core = core or message
    return core if len(core) <= _LONGEST_MESSAGE else core[: _LONGEST_MESSAGE - 3] + "..."


def failure_findings(root: Path, entry_file: str, message: str) -> tuple[Finding, ...]:
    """Findings for a build of ``entry_file`` that failed with ``message`` (repo-relative
    paths already)."""
    paths = tree_paths(root)
    kustomization_paths = sorted(p for p in paths if PurePosixPath(p).name in KUSTOMIZATION_FILES)
    named = [p for p in manifest_paths(paths) if PurePosixPath(p).name in message]
    syntax = _syntax_errors(root, [*kustomization_paths, *named])
    if syntax:
        return tuple(syntax)
    kustomizations = [
        _Kustomization(p, tuple(_read(root, p).decode("utf-8", "replace").splitlines()))
        for p in kustomization_paths
    ]
    missing = _MISSING.search(message)
    if missing is not None:
        found = _missing(root, kustomizations, missing.group(1))
        if found is not None:
            return (found,)
    where: SourcePos | None = None
    text = innermost(message)
    rule = RULE
    if (field := _UNKNOWN_FIELD.search(message)) and "Kustomization" in message:
        where = next((w for k in kustomizations if (w := k.key(field.group(1)))), None)
        text = f"a kustomization has no field {field.group(1)!r} ({text})"
    elif duplicate := _DUPLICATE.search(message):
        kind, name = duplicate.group(1), duplicate.group(2)
        merged = _MERGING.search(message)
        file = PurePosixPath(merged.group(1)).name if merged else ""
        where = _duplicate(root, paths, kind, name, file)
        rule = "duplicate-resource"
        text = (
            f"{kind} {name!r} is defined twice in the kustomization's resources; keep one "
            "definition (kustomize refuses to build)"
        )
    elif target := _PATCH_TARGET.search(message):
        targets = _named(root, paths, target.group(1), target.group(2))
        where = targets[0][1] if targets else None
        text = (
            f"this patch targets {target.group(1)} {target.group(2)!r}, which no resource of "
            "the kustomization defines: fix the patch's kind and name"
        )
    if where is None:
        for token in reversed(_QUOTED.findall(message)):
            where = next((w for k in kustomizations if (w := k.find(token))), None)
            if where is not None:
                break
    return (Finding(Severity.ERROR, rule, text, where or SourcePos(entry_file, 1)),)
