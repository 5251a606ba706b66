"""What committing the working tree would change: objects added, modified and removed.

The Desired tree shows Git's HEAD, and marks what the working tree changes on top of it, so a
saved edit is visible before it is committed. Both sides are rendered the same way (the
manifests layer's kustomize or plain-file rendering), so only real edits show, never a
difference in how they were read. The comparison is pure; :func:`head_manifests` and
:func:`read_preview` do Git I/O and are called from the app's ``preview`` worker only.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gitops_tui.manifests.config import CONFIG_FILE, parse_config
from gitops_tui.manifests.findings import Finding, sort_key
from gitops_tui.manifests.loader import Manifest
from gitops_tui.manifests.render import render_files
from gitops_tui.manifests.watch import DesiredState
from gitops_tui.model import ResourceKey
from gitops_tui.workspace import FileChange, UnknownRevision, Workspace


class Pending(enum.Enum):
    """An uncommitted change to one object, as the Desired tree marks it."""

    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"


#: How each pending change is marked next to the object's name (symbol, word).
PENDING_MARKS: dict[Pending, tuple[str, str]] = {
    Pending.ADDED: ("+", "new"),
    Pending.MODIFIED: ("✎", "edited"),
    Pending.DELETED: ("-", "removed"),
}


@dataclass(frozen=True)
class Preview:
    """The working tree against HEAD: objects it changes, files, and what is wrong in it."""

    head: str | None
    pending: Mapping[ResourceKey, Pending] = field(default_factory=dict)
    files: tuple[FileChange, ...] = ()
    """Uncommitted manifest files, as ``git status`` reports them."""
    findings: tuple[Finding, ...] = ()
    """Problems in the working tree (errors first), each with its file and line."""
    stale: frozenset[str] = frozenset()
    """Files that no longer parse: their last good objects are still shown."""

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)


def compare(head: Iterable[Manifest], tree: Iterable[Manifest]) -> dict[ResourceKey, Pending]:
    """The objects whose committed and working-tree bodies differ."""
    before = _bodies(head)
    after = _bodies(tree)
    pending = dict.fromkeys(after.keys() - before.keys(), Pending.ADDED)
    pending.update(dict.fromkeys(before.keys() - after.keys(), Pending.DELETED))
    pending.update(
        {key: Pending.MODIFIED for key in after.keys() & before.keys() if after[key] != before[key]}
    )
    return pending


def preview_of(
    head: str | None,
    head_objects: Iterable[Manifest],
    state: DesiredState,
    files: tuple[FileChange, ...],
) -> Preview:
    findings = sorted(state.findings, key=lambda f: (not f.is_error, *sort_key(f)))
    return Preview(
        head=head,
        pending=compare(head_objects, state.manifests),
        files=files,
        findings=tuple(findings),
        stale=state.stale,
    )


def head_manifests(workspace: Workspace, rev: str) -> tuple[Manifest, ...]:
    """The objects of revision ``rev`` rendered as the agent renders them (Git I/O)."""
    try:
        files = workspace.read_tree(rev)
    except UnknownRevision:
        return ()
    config, _ = parse_config(files.get(CONFIG_FILE, b""))
    return render_files(files, config).manifests


def read_preview(
    workspace: Workspace,
    state: DesiredState,
    cache: dict[str, tuple[Manifest, ...]],
) -> Preview:
    """The preview of the working tree ``state`` against HEAD, rendering HEAD once per commit
    (``cache`` maps a commit to its objects; the caller keeps it between calls)."""
    status = workspace.status()
    head = status.head
    objects: tuple[Manifest, ...] = ()
    if head is not None:
        if head not in cache:
            cache.clear()
            cache[head] = head_manifests(workspace, head)
        objects = cache[head]
    return preview_of(head, objects, state, status.changes)


def _bodies(manifests: Iterable[Manifest]) -> dict[ResourceKey, str]:
    return {m.key: json.dumps(m.body, sort_keys=True, default=str) for m in manifests}
