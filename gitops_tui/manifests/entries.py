"""Every desired state a repository holds, so ``check`` leaves no manifest unchecked.

The agent deploys one entry point: the ``path`` of ``.gitops-tui.yaml``. A repository checked
before a pull request often has no such file and several kustomizations (``overlays/dev``,
``overlays/prod``) over shared bases, plus plain manifests elsewhere. Reading kustomize inputs
as plain files would be wrong (a patch is a partial object, an overlay repeats its base), and
skipping them would leave them unchecked. So when the folder checked is not itself a
kustomization, each kustomization in it that no other one includes is rendered as its own
desired state, and the plain files outside every kustomization folder form one more. (With
``path: overlays/dev``, as the example app has, the overlay alone is checked, as deployed.)

Each state is validated on its own: two overlays defining the same Deployment are two
environments, not a duplicate.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from gitops_tui.manifests.config import RepoConfig
from gitops_tui.manifests.kustomize import build
from gitops_tui.manifests.loader import (
    KUSTOMIZATION_FILES,
    LoadResult,
    load_files,
    read_file,
    read_files,
    tree_paths,
)
from gitops_tui.manifests.render import is_kustomized, plain_selection, render
from gitops_tui.manifests.yamlpos import parse

_INCLUDES = ("resources", "bases", "components")


@dataclass(frozen=True)
class Entry:
    """One desired state: a kustomization folder, or the plain files of a folder outside its
    kustomization folders."""

    path: str
    kustomized: bool


def _under(path: str, folder: str) -> bool:
    return folder == "." or PurePosixPath(path).is_relative_to(folder)


def _included(
    root: Path, kustomization: str, folders: set[PurePosixPath]
) -> Iterable[PurePosixPath]:
    """Kustomization folders this kustomization includes (resources, bases, components)."""
    parsed = parse(kustomization, read_file(root / kustomization) or b"")
    body: Any = parsed.documents[0].body if parsed.documents else None
    if not isinstance(body, Mapping):
        return
    here = PurePosixPath(kustomization).parent
    for field in _INCLUDES:
        entries = body.get(field)
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, str) and "://" not in entry:
                target = PurePosixPath(os.path.normpath((here / entry).as_posix()))
                if target in folders:
                    yield target


def _is_component(root: Path, kustomization: str) -> bool:
    parsed = parse(kustomization, read_file(root / kustomization) or b"")
    body: Any = parsed.documents[0].body if parsed.documents else None
    return isinstance(body, Mapping) and body.get("kind") == "Component"


def entries(root: Path, config: RepoConfig) -> tuple[Entry, ...]:
    """The desired states to check under ``config.path`` in the tree at ``root``."""
    if is_kustomized(root, config):
        return (Entry(config.path, True),)
    paths = set(tree_paths(root))
    kustomizations = sorted(
        p for p in paths if PurePosixPath(p).name in KUSTOMIZATION_FILES and _under(p, config.path)
    )
    folders = {PurePosixPath(p).parent for p in kustomizations}
    included = {folder for k in kustomizations for folder in _included(root, k, folders)}
    tops = [
        PurePosixPath(k).parent.as_posix()
        for k in kustomizations
        if PurePosixPath(k).parent not in included and not _is_component(root, k)
    ]
    return (Entry(config.path, False), *(Entry(top, True) for top in tops))


def render_all(root: Path, config: RepoConfig) -> dict[str, LoadResult]:
    """Each entry's folder -> its desired state. A single entry renders exactly as the agent
    would (hints about skipped kustomization folders included)."""
    found = entries(root, config)
    if len(found) == 1:
        return {found[0].path: render(root, config)}
    states = {}
    for entry in found:
        if entry.kustomized:
            states[entry.path] = build(root, entry.path)
        else:
            selected, _ = plain_selection(tree_paths(root), entry.path)
            states[entry.path] = load_files(read_files(root, selected))
    return states
