"""What each commit on the deployed branch changed, in objects rather than lines.

A commit's desired state is compared with its first parent's: a key only in the commit was
created, only in the parent deleted, in both with a different body changed. The desired state
is what the agent would apply: the ``path`` of the revision's ``.gitops-tui.yaml`` rendered by
kustomize when it holds a kustomization, its manifest files otherwise. So raising ``count:``
in an overlay shows as a changed Deployment, exactly as a sync would.

A revision whose files cannot be read (a YAML syntax error, a failing kustomize build) lists
the problems instead of objects, since the agent refuses to deploy it; the next readable commit
is compared with the last readable one.

Rendering costs a kustomize run, so desired states are cached per Git tree id: identical trees
(a revert back to an earlier state, the parent of the next commit) are rendered once per
process.
"""

from __future__ import annotations

import functools
import json
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeAlias

from git import Commit, Repo

from gitops_tui.manifests.config import CONFIG_FILE, RepoConfig, parse_config
from gitops_tui.manifests.findings import Finding
from gitops_tui.manifests.kustomize import build
from gitops_tui.manifests.loader import KUSTOMIZATION_FILES, LoadResult, load_files
from gitops_tui.model import ResourceKey
from gitops_tui.workspace.trees import tree_files, write_files

# Each key with the canonical JSON of every body given for it (duplicates are a finding).
_Objects: TypeAlias = dict[ResourceKey, tuple[str, ...]]
# Findings that mean objects are missing from the desired state, not just wrong.
_UNREADABLE = frozenset({"yaml-syntax", "kustomize"})


@dataclass(frozen=True)
class ResourceChanges:
    created: tuple[ResourceKey, ...] = ()
    changed: tuple[ResourceKey, ...] = ()
    deleted: tuple[ResourceKey, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.created or self.changed or self.deleted)


@dataclass(frozen=True)
class HistoryEntry:
    sha: str
    message: str
    author_name: str
    author_email: str
    authored_at: datetime
    """Timezone-aware, in the author's own offset."""
    resources: ResourceChanges
    """Empty when the revision cannot be read (see ``findings``): the agent skips it."""
    findings: tuple[Finding, ...]
    """Problems this commit introduced."""

    @property
    def summary(self) -> str:
        return self.message.split("\n", 1)[0]


@dataclass(frozen=True)
class _DesiredState:
    objects: _Objects
    findings: frozenset[Finding]

    @property
    def readable(self) -> bool:
        """Whether every object could be read: the agent refuses a revision that fails this."""
        return not any(f.is_error and f.rule in _UNREADABLE for f in self.findings)


_EMPTY = _DesiredState({}, frozenset())


def read_history(bare: Path, branch: str, limit: int) -> tuple[HistoryEntry, ...]:
    """The newest ``limit`` commits of ``branch`` in the bare repository, newest first."""
    with Repo(bare) as repo:
        if f"refs/heads/{branch}" not in {head.path for head in repo.heads}:
            return ()
        return tuple(_entry(bare, c) for c in repo.iter_commits(branch, max_count=limit))


def _compare(before: _Objects, after: _Objects) -> ResourceChanges:
    return ResourceChanges(
        created=tuple(sorted(after.keys() - before.keys())),
        changed=tuple(sorted(k for k in after.keys() & before.keys() if after[k] != before[k])),
        deleted=tuple(sorted(before.keys() - after.keys())),
    )


def _entry(bare: Path, commit: Commit) -> HistoryEntry:
    after = _desired_state(str(bare), commit.tree.hexsha)
    parent = _EMPTY
    if commit.parents:
        parent = _desired_state(str(bare), commit.parents[0].tree.hexsha)
    resources = ResourceChanges()
    if after.readable:
        # Compared with what was last deployable, so fixing a broken file does not show
        # everything as created.
        resources = _compare(_last_readable(bare, commit).objects, after.objects)
    return HistoryEntry(
        sha=commit.hexsha,
        message=str(commit.message).rstrip("\n"),
        author_name=commit.author.name or "",
        author_email=commit.author.email or "",
        authored_at=commit.authored_datetime,
        resources=resources,
        findings=tuple(sorted(after.findings - parent.findings, key=str)),
    )


def _last_readable(bare: Path, commit: Commit) -> _DesiredState:
    """The desired state of the nearest first-parent ancestor that could be read."""
    while commit.parents:
        commit = commit.parents[0]
        state = _desired_state(str(bare), commit.tree.hexsha)
        if state.readable:
            return state
    return _EMPTY


@functools.lru_cache(maxsize=256)
def _desired_state(bare: str, tree: str) -> _DesiredState:
    """The desired state of the Git tree ``tree`` in the repository ``bare``."""
    with Repo(bare) as repo:
        files = tree_files(repo, tree)
    config, findings = parse_config(files.get(CONFIG_FILE, b""))
    loaded = _render(files, config)
    objects: dict[ResourceKey, list[str]] = {}
    for manifest in loaded.manifests:
        body = json.dumps(manifest.body, sort_keys=True, default=str)
        objects.setdefault(manifest.key, []).append(body)
    return _DesiredState(
        {key: tuple(sorted(bodies)) for key, bodies in objects.items()},
        frozenset((*findings, *loaded.findings)),
    )


def _render(files: dict[str, bytes], config: RepoConfig) -> LoadResult:
    under = "" if config.path == "." else f"{config.path}/"
    if any(f"{under}{name}" in files for name in KUSTOMIZATION_FILES):
        with tempfile.TemporaryDirectory(prefix="gitops-tui-history-") as scratch:
            write_files(files, Path(scratch))
            return build(Path(scratch), config.path)
    return load_files({path: data for path, data in files.items() if path.startswith(under)})
