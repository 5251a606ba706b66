"""The desired state of a repository: its kustomization rendered, or its plain manifests.

The config's ``path`` decides. A directory with a kustomization is rendered by kustomize. Any
other directory is read as plain manifests, except folders that hold a kustomization: their
files are kustomize inputs (patches are partial objects, overlays repeat their base), so they
are skipped with a hint on how to check them. A Git revision is written to a scratch folder
first, because kustomize reads a real directory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from gitops_tui.manifests.config import CONFIG_FILE, RepoConfig
from gitops_tui.manifests.findings import Finding, Severity, SourcePos
from gitops_tui.manifests.kustomize import SourceCache, build, kustomization_in
from gitops_tui.manifests.loader import (
    KUSTOMIZATION_FILES,
    LoadResult,
    load_files,
    manifest_paths,
    read_files,
    tree_paths,
)
from gitops_tui.manifests.yamlpos import parse, position_in


def _under(path: str, folder: str) -> bool:
    return folder == "." or PurePosixPath(path).is_relative_to(folder)


def plain_selection(paths: Iterable[str], folder: str) -> tuple[list[str], tuple[Finding, ...]]:
    """The files under ``folder`` to read as plain manifests, and a hint for each skipped
    kustomization folder."""
    inside = [path for path in paths if _under(path, folder)]
    kustomizations = sorted(p for p in inside if PurePosixPath(p).name in KUSTOMIZATION_FILES)
    owned = {PurePosixPath(p).parent for p in kustomizations}
    selected = [
        path
        for path in manifest_paths(inside)
        if not any(parent in owned for parent in PurePosixPath(path).parents)
    ]
    hints = []
    for path in kustomizations:
        folder_name = PurePosixPath(path).parent.as_posix()
        message = (
            f"{folder_name} is a kustomization and was not checked as plain files: run "
            f"`gitops-tui check {folder_name}` or set `path: {folder_name}` in {CONFIG_FILE}"
        )
        hints.append(Finding(Severity.INFO, "kustomize", message, SourcePos(path, 1)))
    return selected, tuple(hints)


def _plain(files: Mapping[str, bytes], folder: str) -> LoadResult:
    selected, hints = plain_selection(files, folder)
    loaded = load_files({path: files[path] for path in selected})
    return LoadResult(loaded.manifests, (*loaded.findings, *hints))


def _missing_path(config: RepoConfig, config_text: bytes) -> LoadResult:
    """The error for a ``path`` naming no folder, on the line that sets it."""
    where = SourcePos(CONFIG_FILE, 1)
    parsed = parse(CONFIG_FILE, config_text)
    if parsed.documents:
        _, line, column = position_in(parsed.documents[0].positions, ("path",))
        where = SourcePos(CONFIG_FILE, line, column)
    message = (
        f"path {config.path!r} is not a directory of the repository: nothing would be "
        "deployed; fix the path"
    )
    return LoadResult((), (Finding(Severity.ERROR, "config", message, where),))


def missing_path(root: Path, config: RepoConfig) -> LoadResult | None:
    """The config error when ``config.path`` is not a folder of the tree at ``root``."""
    if (root / config.path).is_dir():
        return None
    config_file = root / CONFIG_FILE
    return _missing_path(config, config_file.read_bytes() if config_file.is_file() else b"")


def is_kustomized(root: Path, config: RepoConfig) -> bool:
    return kustomization_in(root / config.path) is not None


def render(root: Path, config: RepoConfig, cache: SourceCache | None = None) -> LoadResult:
    """The desired state of the working tree at ``root`` (paths relative to ``root``);
    ``cache`` keeps a kustomization's parsed sources for the next render."""
    missing = missing_path(root, config)
    if missing is not None:
        return missing
    if is_kustomized(root, config):
        return build(root, config.path, cache)
    selected, hints = plain_selection(tree_paths(root), config.path)
    loaded = load_files(read_files(root, selected))
    return LoadResult(loaded.manifests, (*loaded.findings, *hints))


def render_files(files: Mapping[str, bytes], config: RepoConfig) -> LoadResult:
    """The desired state of a revision given as ``path -> content`` (e.g. Git blobs)."""
    if config.path != "." and not any(_under(path, config.path) for path in files):
        return _missing_path(config, files.get(CONFIG_FILE, b""))
    kustomized = any(
        PurePosixPath(path) == PurePosixPath(config.path) / name
        for path in files
        for name in KUSTOMIZATION_FILES
    )
    if not kustomized:
        return _plain(files, config.path)
    with tempfile.TemporaryDirectory(prefix="gitops-tui-revision-") as scratch:
        root = Path(scratch)
        for path, content in files.items():
            if PurePosixPath(path).is_absolute() or ".." in PurePosixPath(path).parts:
                continue  # Git never stores such paths; refuse to write outside the scratch dir
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        return build(root, config.path)
