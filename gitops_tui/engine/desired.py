"""A revision's desired state, ready to apply, or the reasons it must not be applied.

A GitOps agent must never half-apply a commit, so the whole revision is rendered (kustomize or
plain files, as its ``.gitops-tui.yaml`` says) and validated (schemas, identity, duplicates...)
before any object reaches the cluster. One error anywhere rejects the revision, with every
reason as ``file:line: message``; warnings do not block.

Accepted objects are made ready for server-side apply: each carries the ownership labels (the
product-wide ``app.kubernetes.io/managed-by`` that plan requires for pruning, and a label
naming this sandbox, so two sandboxes sharing a cluster never prune each other's objects),
and namespaced objects that name no namespace get the cluster's default one, as kubectl does.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_tui.engine.plan import OWNERSHIP_LABEL, OWNERSHIP_VALUE
from gitops_tui.engine.source import Revision
from gitops_tui.manifests.config import CONFIG_FILE, RepoConfig, normalize_version, parse_config
from gitops_tui.manifests.findings import Finding
from gitops_tui.manifests.loader import Manifest
from gitops_tui.manifests.render import render_files
from gitops_tui.manifests.validate import validate
from gitops_tui.model import ResourceKey

#: Names the sandbox (bare repository and branch) an object was applied from.
SANDBOX_LABEL = "gitops-tui.dev/sandbox"
_CRD_GROUP = "apiextensions.k8s.io"

#: Is ``kind`` in ``api_version`` namespaced? ``None`` when the cluster does not serve it.
ScopeOf = Callable[[str, str], bool | None]


class RevisionInvalid(Exception):
    """The revision cannot be applied; ``reasons`` are ``file:line: message`` lines."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class DesiredObject:
    """One object as the agent applies it; ``fingerprint`` changes whenever ``body`` does."""

    key: ResourceKey
    api_version: str
    body: dict[str, Any]
    source: str
    fingerprint: str = field(compare=False)

    @property
    def is_secret(self) -> bool:
        return self.api_version == "v1" and self.key.kind == "Secret"


@dataclass(frozen=True)
class DesiredState:
    revision: str
    message: str
    objects: Mapping[ResourceKey, DesiredObject]


def sandbox_id(bare_repo: Path, branch: str) -> str:
    """A label value naming one sandbox: stable across restarts, distinct between sandboxes."""
    text = f"{bare_repo.resolve()}\n{branch}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def ownership_labels(bare_repo: Path, branch: str) -> dict[str, str]:
    return {OWNERSHIP_LABEL: OWNERSHIP_VALUE, SANDBOX_LABEL: sandbox_id(bare_repo, branch)}


def render_revision(revision: Revision, kube_version: str | None) -> tuple[Manifest, ...]:
    """Every object of the revision, rendered and validated; :class:`RevisionInvalid` if any
    error is found."""
    config, findings = parse_config(revision.files.get(CONFIG_FILE, b""))
    version = normalize_version(kube_version) if kube_version else None
    if version is not None:
        config = RepoConfig(config.path, version, config.disabled_rules)
    loaded = render_files(revision.files, config)
    errors = [f for f in (*findings, *validate(loaded, config)) if f.is_error]
    if errors:
        raise RevisionInvalid(tuple(_reason(f) for f in errors))
    return loaded.manifests


def desired_state(
    revision: str,
    message: str,
    manifests: tuple[Manifest, ...],
    labels: Mapping[str, str],
    scope_of: ScopeOf,
    default_namespace: str,
) -> DesiredState:
    """The objects of a validated revision, labelled and placed in their namespaces."""
    crd_scopes = _crd_scopes(manifests)
    objects: dict[ResourceKey, DesiredObject] = {}
    for manifest in manifests:
        body = copy.deepcopy(dict(manifest.body))
        metadata = body.setdefault("metadata", {})
        metadata["labels"] = {**(metadata.get("labels") or {}), **labels}
        namespaced = scope_of(manifest.api_version, manifest.kind)
        if namespaced is None:
            namespaced = crd_scopes.get((manifest.key.group, manifest.kind), True)
        if not namespaced:
            metadata.pop("namespace", None)
        elif not metadata.get("namespace"):
            metadata["namespace"] = default_namespace
        key = ResourceKey.from_manifest(
            manifest.api_version, manifest.kind, metadata.get("namespace"), metadata["name"]
        )
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        source = f"{manifest.source.path}:{manifest.source.line}"
        objects[key] = DesiredObject(key, manifest.api_version, body, source, text)
    return DesiredState(revision, message, objects)


def _crd_scopes(manifests: tuple[Manifest, ...]) -> dict[tuple[str, str], bool]:
    """(group, kind) -> namespaced, for the CRDs of the revision (not served yet, maybe)."""
    scopes: dict[tuple[str, str], bool] = {}
    for manifest in manifests:
        if (manifest.key.group, manifest.kind) != (_CRD_GROUP, "CustomResourceDefinition"):
            continue
        spec = manifest.body.get("spec")
        if not isinstance(spec, Mapping):
            continue
        names = spec.get("names")
        kind = names.get("kind") if isinstance(names, Mapping) else None
        if isinstance(kind, str):
            scopes[(str(spec.get("group", "")), kind)] = spec.get("scope") != "Cluster"
    return scopes


def _reason(finding: Finding) -> str:
    where = f"{finding.source.path}:{finding.source.line}: " if finding.source else ""
    return f"{where}{finding.message} ({finding.rule})"
