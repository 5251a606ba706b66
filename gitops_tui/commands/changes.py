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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from git import Repo

from gitops_tui.engine.diff import DiffItem, compute
from gitops_tui.manifests.config import CONFIG_FILE, RepoConfig, parse_config
from gitops_tui.manifests.findings import SourcePos
from gitops_tui.manifests.loader import Manifest
from gitops_tui.manifests.render import render_files
from gitops_tui.model import ResourceKey
from gitops_tui.workspace.errors import WorkspaceError
from gitops_tui.workspace.gitrun import rev_parse, worktree_root
from gitops_tui.workspace.trees import tree_files

Identity = Callable[[Manifest], ResourceKey]


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
    lists field differences for a change, ``desired`` being the new side and ``live`` the base.
    """

    action: Action
    key: ResourceKey
    source: SourcePos
    diff: tuple[DiffItem, ...] = ()


@dataclass(frozen=True)
class BaseRevision:
    """The revision compared with: the name given, its commit, and its objects."""

    name: str
    commit: str
    manifests: tuple[Manifest, ...]


def _by_key(manifests: Iterable[Manifest], identity: Identity) -> dict[ResourceKey, Manifest]:
    found: dict[ResourceKey, Manifest] = {}
    for manifest in manifests:
        if manifest.kind and manifest.key.name:
            found.setdefault(identity(manifest), manifest)  # duplicates are a finding already
    return found


def _is_secret(key: ResourceKey) -> bool:
    return (key.group, key.kind) == ("", "Secret")


def compare(
    base: Iterable[Manifest], current: Iterable[Manifest], identity: Identity
) -> tuple[Change, ...]:
    """Creations, then changes, then deletions, each ordered by resource."""
    before, after = _by_key(base, identity), _by_key(current, identity)
    created = [Change(Action.CREATE, k, after[k].source) for k in sorted(after - before.keys())]
    deleted = [Change(Action.DELETE, k, before[k].source) for k in sorted(before - after.keys())]
    changed = []
    for key in sorted(after.keys() & before.keys()):
        items = compute(after[key].body, before[key].body, secret=_is_secret(key))
        if items:
            changed.append(Change(Action.CHANGE, key, after[key].source, items))
    return (*created, *changed, *deleted)


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
    return BaseRevision(rev, commit, render_files(files, base_config).manifests)
