"""What a change would do to the desired state: objects created, changed and deleted vs a revision.

``check --base REV`` answers the reviewer's question ("what does this pull request deploy?")
the way ``kubectl diff`` would, but offline: both sides are rendered exactly as the agent
renders them (kustomize or plain files, per ``.gitops-tui.yaml``), so only real edits show,
never a difference in how files were read. Field-level differences come from the engine's
diff, which addresses list elements by their keys (a reordered container list is no change)
and masks Secret values in every item it returns.
"""

from __future__ import annotations

import enum
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from git import Repo

from gitops_tui.engine.diff import DiffItem, compute
from gitops_tui.manifests.config import CONFIG_FILE, RepoConfig, parse_config
from gitops_tui.manifests.entries import render_all
from gitops_tui.manifests.findings import SourcePos
from gitops_tui.manifests.loader import Manifest
from gitops_tui.manifests.rules.context import crd_scopes
from gitops_tui.manifests.rules.identity import applied_key
from gitops_tui.model import ResourceKey
from gitops_tui.workspace.errors import WorkspaceError
from gitops_tui.workspace.gitrun import rev_parse, worktree_root
from gitops_tui.workspace.trees import tree_files, write_files

#: Each entry point's folder -> its objects (see ``manifests.entries``).
States = Mapping[str, Sequence[Manifest]]


class BaseUnavailable(WorkspaceError):
    """The base revision cannot be read; the message says why."""


class Action(enum.Enum):
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"


@dataclass(frozen=True)
class Change:
    """One object the change creates, changes or deletes.

    ``source`` is where the object is written now (where it was, for a deletion); ``diff``
    lists field differences for a change, ``desired`` being the new side and ``live`` the base;
    ``entry`` is the entry point (kustomization or folder) whose desired state it belongs to.
    """

    action: Action
    key: ResourceKey
    source: SourcePos
    entry: str
    diff: tuple[DiffItem, ...] = ()


@dataclass(frozen=True)
class BaseRevision:
    """The revision compared with: the name given, its commit, and its objects."""

    name: str
    commit: str
    states: States


def _by_key(
    manifests: Iterable[Manifest], scopes: Mapping[tuple[str, str], bool]
) -> dict[ResourceKey, Manifest]:
    found: dict[ResourceKey, Manifest] = {}
    for manifest in manifests:
        if manifest.kind and manifest.key.name:  # duplicates are a finding already: keep one
            found.setdefault(applied_key(manifest, scopes), manifest)
    return found


def _is_secret(key: ResourceKey) -> bool:
    return (key.group, key.kind) == ("", "Secret")


def compare(base: States, current: States) -> tuple[Change, ...]:
    """Per entry point: creations, then changes, then deletions, each ordered by resource."""
    changes: list[Change] = []
    for entry in sorted(base.keys() | current.keys()):
        old, new = base.get(entry, ()), current.get(entry, ())
        scopes = crd_scopes([*old, *new])
        before, after = _by_key(old, scopes), _by_key(new, scopes)
        for key in sorted(after.keys() - before.keys()):
            changes.append(Change(Action.CREATE, key, after[key].source, entry))
        for key in sorted(after.keys() & before.keys()):
            items = compute(after[key].body, before[key].body, secret=_is_secret(key))
            if items:
                changes.append(Change(Action.CHANGE, key, after[key].source, entry, items))
        for key in sorted(before.keys() - after.keys()):
            changes.append(Change(Action.DELETE, key, before[key].source, entry))
    return tuple(changes)


def read_base(root: Path, rev: str, config: RepoConfig, entry_given: bool) -> BaseRevision:
    """The desired state of the repository at ``root`` as of Git revision ``rev``.

    ``root`` may be a folder inside the Git working tree; only its files count, read straight
    from Git's object store. The revision's own ``.gitops-tui.yaml`` chooses what to render
    unless the entry point was given on the command line (``entry_given``); the Kubernetes
    version is the current one either way, so the comparison shows edits only.
    """
    top = worktree_root(root)
    if top is None:
        raise BaseUnavailable(f"{root} is not inside a Git repository: --base needs one")
    prefix = root.resolve().relative_to(top).as_posix()
    with Repo(top) as repo:
        commit = rev_parse(repo, f"{rev}^{{commit}}")
        if commit is None:
            raise BaseUnavailable(f"no commit named {rev!r} in {top}")
        files = tree_files(repo, commit)
    if prefix != ".":
        inside = PurePosixPath(prefix)
        files = {
            PurePosixPath(path).relative_to(inside).as_posix(): data
            for path, data in files.items()
            if PurePosixPath(path).is_relative_to(inside)
        }
    base_config = config
    if not entry_given:
        recorded, _ = parse_config(files.get(CONFIG_FILE, b""))
        base_config = RepoConfig(recorded.path, config.kubernetes_version, config.disabled_rules)
    with tempfile.TemporaryDirectory(prefix="gitops-tui-base-") as scratch:
        # Rendered from a real folder, as kustomize needs; paths stay repository-relative.
        write_files(files, Path(scratch))
        states = render_all(Path(scratch), base_config)
    return BaseRevision(rev, commit, {entry: s.manifests for entry, s in states.items()})
