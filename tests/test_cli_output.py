"""The JSON lines of ``up --json`` (a contract with scripts) and the sentences people read."""

from __future__ import annotations

import json

from gitops_tui.commands.output import event_json, event_line, state_json
from gitops_tui.model import (
    AgentError,
    DriftDetected,
    FieldDrift,
    Health,
    HealthChanged,
    ResourceKey,
    ResourceResult,
    ResourceState,
    RevisionRejected,
    SyncFinished,
    SyncStatus,
    Toggle,
    ToggleChanged,
)

WEB = ResourceKey("apps", "Deployment", "shop", "web")
WEB_JSON = {"group": "apps", "kind": "Deployment", "namespace": "shop", "name": "web"}


def test_resources_are_objects_named_resource_and_enums_are_their_words() -> None:
    drift = DriftDetected(
        1700000000.5,
        WEB,
        (FieldDrift(".spec.replicas", 1, 4, "kubectl-scale"),),
        "kubectl-scale",
    )
    assert event_json(drift) == {
        "event": "drift_detected",
        "at": 1700000000.5,
        "resource": WEB_JSON,
        "fields": [{"path": ".spec.replicas", "desired": 1, "live": 4, "manager": "kubectl-scale"}],
        "manager": "kubectl-scale",
    }
    changed = event_json(HealthChanged(1.0, WEB, Health.PROGRESSING, Health.HEALTHY, ""))
    assert (changed["old"], changed["new"]) == ("Progressing", "Healthy")
    assert event_json(ToggleChanged(1.0, Toggle.SELF_HEAL, False))["toggle"] == "self-heal"


def test_sync_results_list_each_resource_and_the_line_stays_json() -> None:
    finished = SyncFinished(
        2.0,
        "a" * 40,
        12.5,
        (ResourceResult(WEB, "configure"), ResourceResult(WEB, "create", False, "denied")),
        False,
    )
    line = json.dumps(event_json(finished))
    assert json.loads(line)["results"] == [
        {"resource": WEB_JSON, "action": "configure", "ok": True, "message": ""},
        {"resource": WEB_JSON, "action": "create", "ok": False, "message": "denied"},
    ]
    text = event_line(finished)
    assert "Sync FAILED for aaaaaaaaaaaa in 12 ms: 1 configure" in text
    assert text.endswith("! create     Deployment.apps shop/web  (denied)")


def test_every_error_event_carries_a_message() -> None:
    rejected = RevisionRejected(3.0, "b" * 40, ("base/x.yaml:3: unknown field spec.replica",))
    data = event_json(rejected)
    assert data["event"] == "error"
    assert data["message"] == (
        "revision bbbbbbbbbbbb not applied: base/x.yaml:3: unknown field spec.replica"
    )
    failure = event_json(AgentError(4.0, "cannot reach the cluster", WEB))
    assert (failure["event"], failure["message"], failure["resource"]) == (
        "error",
        "cannot reach the cluster",
        WEB_JSON,
    )
    assert event_line(AgentError(4.0, "boom")).endswith("Error: boom")


def test_a_resource_state_leaves_out_the_full_objects() -> None:
    state = ResourceState(
        WEB, SyncStatus.OUT_OF_SYNC, Health.HEALTHY, desired={"a": 1}, live={"a": 2}
    )
    data = state_json(state)
    assert "desired" not in data and "live" not in data
    assert (data["resource"], data["sync"], data["health"]) == (WEB_JSON, "OutOfSync", "Healthy")


def test_a_drift_line_names_each_field_and_who_changed_it_once() -> None:
    drift = DriftDetected(
        1.0,
        WEB,
        (
            FieldDrift(".spec.replicas", 1, 4, "kubectl-scale"),
            FieldDrift(".metadata.labels.team", "a", "b", "kubectl-label"),
        ),
        "kubectl-scale",
    )
    assert event_line(drift).endswith(
        "Drift on Deployment.apps shop/web by kubectl-scale: .spec.replicas: 1 -> 4; "
        ".metadata.labels.team: a -> b  by kubectl-label"
    )
