"""``check --server``: ask the sandbox's running cluster whether it would accept every object.

Offline schemas catch most mistakes; admission (defaulting, cross-field validation, quotas,
immutable fields of live objects) only the API server knows. A server-side apply with
``dryRun=All`` runs all of it and stores nothing, like ``kubectl apply --server-side
--dry-run=server``. The cluster is the one a running ``gitops-tui up`` serves for this
sandbox, found through the record it keeps in the state directory; when none runs, the dry run
is skipped with a note, never started behind the user's back, and never an error.

Objects that already have an error are not sent (the offline finding says more), and objects
that only fail because this very change creates their namespace or CRD are skipped with an
info finding: a dry run cannot see what it has not created.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gitops_tui.cluster.client import (
    ApiError,
    ClusterClient,
    ClusterError,
    NotFound,
    UnknownKind,
)
from gitops_tui.engine.serving import read_record
from gitops_tui.engine.sync import FIELD_MANAGER  # the dry run sees a sync's field ownership
from gitops_tui.manifests.findings import Finding, Severity
from gitops_tui.manifests.loader import Manifest
from gitops_tui.manifests.rules.context import crd_scopes
from gitops_tui.workspace.gitrun import worktree_root
from gitops_tui.workspace.layout import resolve_state_dir

RULE = "server-dry-run"
_PING_SECONDS = 3.0
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class ServerResult:
    """The dry run's findings and one line saying what was done (or why not)."""

    findings: tuple[Finding, ...]
    note: str
    ran: bool


def _field_path(field: str) -> list[str | int]:
    """``spec.template.spec.containers[0].image`` as a path for ``Manifest.position_of``."""
    return [int(index) if index else name for name, index in _SEGMENT.findall(field.split(": ")[0])]


def _placed(manifest: Manifest, error: ApiError) -> Finding:
    causes = error.details.get("causes") if isinstance(error.details, dict) else None
    field = ""
    for cause in causes if isinstance(causes, list) else ():
        if isinstance(cause, dict) and isinstance(cause.get("field"), str):
            field = cause["field"]
            break
    where = manifest.position_of(_field_path(field)) if field else manifest.source
    message = f"the cluster rejects {manifest.key} in a dry run: {error.message}"
    return Finding(Severity.ERROR, RULE, message, where, manifest.key)


def _created_here(manifests: Sequence[Manifest]) -> tuple[set[str], set[tuple[str, str]]]:
    """Namespaces and (group, kind) of custom kinds the change itself creates."""
    namespaces = {m.key.name for m in manifests if (m.key.group, m.kind) == ("", "Namespace")}
    return namespaces, set(crd_scopes(manifests))


def _skipped(manifest: Manifest, why: str) -> Finding:
    message = f"{manifest.key} was not dry-run: {why}"
    return Finding(Severity.INFO, RULE, message, manifest.source, manifest.key)


def _dry_run(
    client: ClusterClient, manifests: Sequence[Manifest], broken: set[int]
) -> Iterable[Finding]:
    namespaces, kinds = _created_here(manifests)
    for manifest in manifests:
        if id(manifest) in broken or not manifest.kind or not manifest.key.name:
            continue
        body = copy.deepcopy(dict(manifest.body))
        try:
            info = client.resource_for(manifest.api_version, manifest.kind)
            metadata = body.setdefault("metadata", {})
            if info.namespaced and not metadata.get("namespace"):
                metadata["namespace"] = client.default_namespace
            client.server_side_apply(body, FIELD_MANAGER, force=True, dry_run=True)
        except UnknownKind:
            if (manifest.key.group, manifest.kind) in kinds:
                yield _skipped(manifest, "its CustomResourceDefinition is created by this change")
            else:
                message = (
                    f"the cluster does not serve {manifest.kind} in {manifest.api_version}; "
                    "install its CustomResourceDefinition or fix the apiVersion"
                )
                yield Finding(Severity.ERROR, RULE, message, manifest.source, manifest.key)
        except NotFound as exc:
            namespace = manifest.key.namespace
            if namespace in namespaces and "namespace" in exc.message:
                yield _skipped(manifest, f"its namespace {namespace!r} is created by this change")
            else:
                yield _placed(manifest, exc)
        except ApiError as exc:
            yield _placed(manifest, exc)


def server_check(
    root: Path,
    manifests: Sequence[Manifest],
    findings: Sequence[Finding],
    state_dir: Path | None,
) -> ServerResult:
    """Dry-run ``manifests`` on the sandbox cluster of the working tree holding ``root``."""
    worktree = worktree_root(root) or root.resolve()
    state = resolve_state_dir(worktree, state_dir)
    record = read_record(state)
    if record is None or not record.joinable or record.kubeconfig is None:
        return ServerResult(
            (),
            f"no sandbox cluster is running for {worktree} (start one with `gitops-tui up`): "
            "skipped the server-side dry run",
            ran=False,
        )
    try:
        client = ClusterClient.from_kubeconfig(record.kubeconfig, record.context)
    except ClusterError as exc:
        return ServerResult((), f"skipped the server-side dry run: {exc}", ran=False)
    with client:
        try:
            client.ping(_PING_SECONDS)
        except ClusterError as exc:
            note = (
                f"the sandbox cluster ({record.description}) does not answer: {exc}; "
                "skipped the server-side dry run"
            )
            return ServerResult((), note, ran=False)
        by_key = {m.key: id(m) for m in manifests}
        broken = {by_key[f.key] for f in findings if f.is_error and f.key in by_key}
        try:
            found = tuple(_dry_run(client, manifests, broken))
        except ClusterError as exc:
            note = f"the server-side dry run stopped: {exc}"
            return ServerResult((), note, ran=False)
    sent = len(manifests) - len(broken)
    note = f"server-side dry run of {sent} object(s) on {record.description}"
    return ServerResult(found, note, ran=True)
