"""Turn the files of a repository (any revision) into manifests that know where they came from.

Works on ``path -> bytes`` so the same code reads the working tree, a Git revision's blobs or
a watcher's changed files. Only files that can hold Kubernetes objects are read: YAML and JSON
outside hidden folders, kustomize inputs and Helm charts. Documents that are neither objects
nor ``List``s of objects (CI workflows, values files) are ignored rather than reported.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from gitops_tui.manifests.findings import Finding, Severity, SourcePos
from gitops_tui.manifests.yamlpos import Pos, parse, position_in
from gitops_tui.model import ResourceKey

__all__ = [
    "Finding",
    "LoadResult",
    "Manifest",
    "PositionLayer",
    "Severity",
    "SourcePos",
    "bulk_build",
    "load_file",
    "load_files",
    "make_manifest",
    "manifest_paths",
    "read_file",
    "read_files",
    "tree_paths",
]

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
#: Files describing a Helm chart; a chart's templates are not YAML until rendered.
_HELM_CHART = "Chart.yaml"


@dataclass(frozen=True)
class PositionLayer:
    """The position tree of one source document that contributed to a manifest."""

    path: str
    root: Pos


@dataclass(frozen=True, eq=False)
class Manifest:
    """One Kubernetes object of the desired state.

    ``layers`` hold the position trees of the documents the object was written in, most
    specific first (a kustomize patch before its base), so any field maps to a file and line.
    Compared by identity: bodies are plain dicts, and the watcher relies on unchanged files
    keeping the very same Manifest objects.
    """

    key: ResourceKey
    api_version: str
    body: Mapping[str, Any]
    source: SourcePos
    layers: tuple[PositionLayer, ...] = field(default=(), repr=False)

    @property
    def kind(self) -> str:
        return self.key.kind

    def position_of(self, field_path: Sequence[str | int]) -> SourcePos:
        """Where a field is written: in the most specific layer that writes it (the last patch
        applied), else, for a missing field, where its nearest ancestor is written, preferring
        the defining document on a tie (a patch repeats the ancestors of what it changes).
        Nodes on line 0 are placeholders of layers that know only a deeper field."""
        if not field_path:
            return self.source
        best: tuple[int, SourcePos] | None = None
        for layer in self.layers:
            depth, line, column = position_in(layer.root, field_path)
            if line == 0:
                continue
            here = SourcePos(layer.path, line, column)
            if depth == len(field_path):
                return here
            if best is None or depth >= best[0]:
                best = (depth, here)
        return self.source if best is None else best[1]


@dataclass(frozen=True)
class LoadResult:
    manifests: tuple[Manifest, ...]
    findings: tuple[Finding, ...]


def _skipped_dirs(paths: Iterable[str]) -> set[PurePosixPath]:
    return {PurePosixPath(p).parent for p in paths if PurePosixPath(p).name == _HELM_CHART}


def manifest_paths(paths: Iterable[str]) -> list[str]:
    """The repo-relative paths, sorted, that may hold manifests."""
    paths = list(paths)
    charts = _skipped_dirs(paths)
    selected = []
    for path in paths:
        pure = PurePosixPath(path)
        if pure.suffix not in MANIFEST_SUFFIXES or pure.name in KUSTOMIZATION_FILES:
            continue
        if any(part.startswith(".") for part in pure.parts):
            continue
        if charts and any(parent in charts for parent in pure.parents):
            continue
        selected.append(path)
    return sorted(selected)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def make_manifest(
    body: Mapping[str, Any], source: SourcePos, layers: tuple[PositionLayer, ...]
) -> Manifest:
    """A Manifest for an object body, its identity read from the body (missing parts empty)."""
    metadata = body.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    api_version = _text(body.get("apiVersion"))
    key = ResourceKey.from_manifest(
        api_version,
        _text(body.get("kind")),
        _text(metadata.get("namespace")),
        _text(metadata.get("name")),
    )
    return Manifest(key, api_version, body, source, layers)


def _manifest(body: dict[str, Any], layer: PositionLayer) -> Manifest:
    line, column, _ = layer.root
    return make_manifest(body, SourcePos(layer.path, line, column), (layer,))


def _is_object(body: Any) -> bool:
    """An object, or meant to be one: a document with only ``metadata`` lacks its apiVersion
    and kind, while one with none of the three is some other YAML (values, CI config)."""
    if not isinstance(body, dict):
        return False
    return "apiVersion" in body or "kind" in body or isinstance(body.get("metadata"), dict)


def _objects(body: Any, positions: Pos) -> Iterable[tuple[dict[str, Any], Pos]]:
    if not _is_object(body):
        return
    items = body.get("items")
    kind = body.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        children = positions[2]
        items_pos = children.get("items") if isinstance(children, dict) else None
        item_children = items_pos[2] if items_pos else None
        for index, item in enumerate(items):
            if isinstance(item_children, list) and index < len(item_children):
                yield from _objects(item, item_children[index])
        return
    yield body, positions


def load_file(path: str, content: bytes) -> LoadResult:
    """The manifests of one file and the problems found reading it."""
    parsed = parse(path, content)
    manifests = [
        _manifest(body, PositionLayer(path, positions))
        for document in parsed.documents
        for body, positions in _objects(document.body, document.positions)
    ]
    return LoadResult(tuple(manifests), parsed.findings)


@contextmanager
def bulk_build() -> Iterator[None]:
    """Pause the cyclic garbage collector while many small objects are built.

    Loading a repository allocates millions of dicts, lists and tuples that all stay alive, so
    the collector keeps scanning them in vain: nearly half the load time. Nothing built here
    can form a reference cycle, and plain reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_files(files: Mapping[str, bytes]) -> LoadResult:
    """Load every manifest file among ``files`` (repo-relative POSIX path -> content)."""
    manifests: list[Manifest] = []
    findings: list[Finding] = []
    with bulk_build():
        for path in manifest_paths(files):
            result = load_file(path, files[path])
            manifests.extend(result.manifests)
            findings.extend(result.findings)
    return LoadResult(tuple(manifests), tuple(findings))


def tree_paths(root: Path) -> list[str]:
    """Every file under ``root`` outside hidden folders (``.git``, the sandbox state dir)."""
    paths: list[str] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        base = Path(directory)
        paths.extend((base / name).relative_to(root).as_posix() for name in filenames)
    return paths


def read_file(path: Path) -> bytes | None:
    """The content of a regular file; None if it is gone, unreadable, or a device or FIFO
    (reading ``/dev/zero`` behind a symlink would never end)."""
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def read_files(root: Path, paths: Iterable[str]) -> dict[str, bytes]:
    """``path -> content`` for each of ``paths`` under ``root`` that :func:`read_file` reads."""
    files = {}
    for path in paths:
        content = read_file(root / path)
        if content is not None:
            files[path] = content
    return files
