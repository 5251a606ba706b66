"""Views of the example app built from its real rendered manifests, for pixel tests.

The live side is the desired object as the API server would hold it (plus the owned
ReplicaSets and Pods a Deployment has); times and SHAs are fixed so pictures are stable.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from importlib.resources import files
from pathlib import Path
from typing import Any

from gitops_tui.manifests.config import load_config
from gitops_tui.manifests.findings import Finding, Severity, SourcePos
from gitops_tui.manifests.render import render
from gitops_tui.model import (
    CommitSeen,
    DriftDetected,
    FieldDrift,
    Healed,
    Health,
    ResourceKey,
    ResourceResult,
    ResourceState,
    SyncFinished,
    SyncStarted,
    SyncStatus,
    Toggle,
)
from gitops_tui.ui.overview import HeaderInfo, LastSync
from gitops_tui.ui.preview import Pending
from gitops_tui.ui.timeline import Timeline
from gitops_tui.ui.view import View
from gitops_tui.ui.widgets.diagnostics import finding_line

SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
FRONTEND = ResourceKey("apps", "Deployment", "shop", "frontend")
CONFIG_MAP = ResourceKey("", "ConfigMap", "shop", "api-config")
AT = 1_700_000_000.0


def example_states() -> list[ResourceState]:
    root = Path(str(files("gitops_tui.workspace") / "example"))
    config, _ = load_config(root)
    states: list[ResourceState] = []
    for manifest in render(root, config).manifests:
        body = dict(manifest.body)
        source = f"{manifest.source.path}:{manifest.source.line}"
        states.append(
            ResourceState(
                manifest.key,
                SyncStatus.SYNCED,
                Health.HEALTHY,
                desired=body,
                live=copy.deepcopy(body),
                source=source,
            )
        )
        if manifest.key.kind == "Deployment":
            states.extend(_children(manifest.key))
    return states


def _children(owner: ResourceKey) -> list[ResourceState]:
    replica_set = ResourceKey("apps", "ReplicaSet", owner.namespace, f"{owner.name}-7c9d8f6b5")
    pod = ResourceKey("", "Pod", owner.namespace, f"{replica_set.name}-x2k4p")
    return [
        ResourceState(replica_set, None, Health.HEALTHY, live={"kind": "ReplicaSet"}, owner=owner),
        ResourceState(pod, None, Health.HEALTHY, live={"kind": "Pod"}, owner=replica_set),
    ]


def drifted(states: list[ResourceState]) -> list[ResourceState]:
    """The frontend scaled to 3 by hand (kubectl scale), as the agent reports it."""
    result = []
    for state in states:
        if state.key == FRONTEND and state.live is not None:
            live: dict[str, Any] = copy.deepcopy(state.live)
            live["spec"]["replicas"] = 3
            drift = (FieldDrift(".spec.replicas", 1, 3, "kubectl-scale"),)
            state = ResourceState(
                state.key,
                SyncStatus.OUT_OF_SYNC,
                Health.PROGRESSING,
                "waiting for 2 new replicas",
                state.desired,
                live,
                state.source,
                drift,
            )
        result.append(state)
    return result


def timeline(drift: bool = False) -> Timeline:
    story = Timeline()
    results = (ResourceResult(CONFIG_MAP, "configure"),)
    story.record(CommitSeen(AT, SHA, "Greet shoppers in dev"))
    story.record(SyncStarted(AT + 0.01, SHA, "commit"))
    story.record(SyncFinished(AT + 0.41, SHA, 390.0, results, True))
    fields = (FieldDrift(".spec.replicas", 1, 3, "kubectl-scale"),)
    story.record(DriftDetected(AT + 60, FRONTEND, fields, "kubectl-scale"))
    if not drift:
        story.record(Healed(AT + 60.2, FRONTEND, 212.0))
    return story


def header(
    states: list[ResourceState], *, reachable: bool = True, rejected: str | None = None
) -> HeaderInfo:
    counts: dict[SyncStatus, int] = {}
    for state in states:
        if state.sync is not None:
            counts[state.sync] = counts.get(state.sync, 0) + 1
    toggles: Mapping[Toggle, bool] = {
        Toggle.AUTO_SYNC: True,
        Toggle.SELF_HEAL: True,
        Toggle.PRUNE: True,
    }
    return HeaderInfo(
        provider="embedded",
        cluster="127.0.0.1:6443",
        head=SHA,
        revision=SHA,
        message="Greet shoppers in dev",
        toggles=toggles,
        counts=counts,
        last_sync=LastSync(AT, 390.0, True),
        reachable=reachable,
        rejected=rejected,
    )


def synced_view() -> View:
    states = example_states()
    return View(header(states), tuple(states), {}, timeline().entries)


def drifted_view() -> View:
    states = drifted(example_states())
    return View(header(states), tuple(states), {}, timeline(drift=True).entries)


def error_view() -> View:
    """A half-typed edit in the working tree, a rejected commit and an unreachable cluster."""
    states = [
        replace(s, sync=SyncStatus.UNKNOWN if s.sync else None, health=Health.UNKNOWN)
        for s in example_states()
    ]
    broken = Finding(
        Severity.ERROR,
        "yaml-syntax",
        "did not find expected ',' or ']' (while parsing a flow sequence)",
        SourcePos("base/api-configmap.yaml", 9, 18),
    )
    reason = "base/api-hpa.yaml:7: spec.maxReplicas: must be an integer"
    problems = (
        (f"revision 9f1c2d3 not applied: {reason}", True),
        ("the cluster does not answer: statuses are Unknown until it does", True),
        (finding_line(broken), True),
    )
    pending = {CONFIG_MAP: Pending.MODIFIED}
    rejected = "9f1c2d3e4b5a69788796a5b4c3d2e1f009182736"
    head = replace(header(states, reachable=False, rejected=rejected), uncommitted=1)
    return View(head, tuple(states), pending, timeline().entries, problems)
