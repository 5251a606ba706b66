"""The timeline tells each story once, completed with its latency from the agent's timestamps."""

from __future__ import annotations

from gitops_tui.model import (
    AgentError,
    ClusterReachability,
    CommitSeen,
    DriftDetected,
    FieldDrift,
    Healed,
    Health,
    HealthChanged,
    ResourceKey,
    ResourceResult,
    SyncFinished,
    SyncStarted,
    Toggle,
    ToggleChanged,
)
from gitops_tui.ui.timeline import Timeline

API = ResourceKey("apps", "Deployment", "shop", "api")
SHA = "0123456789abcdef0123456789abcdef01234567"


def finished(at: float, ok: bool = True, action: str = "configure") -> SyncFinished:
    return SyncFinished(
        at, SHA, 120.0, (ResourceResult(API, action, ok, "" if ok else "denied"),), ok
    )


def test_a_commit_is_completed_by_its_sync_with_the_commit_to_synced_latency() -> None:
    timeline = Timeline()
    timeline.record(CommitSeen(100.0, SHA, "Scale the api\n\nbecause"))
    timeline.record(SyncStarted(100.1, SHA, "commit"))
    timeline.record(finished(100.45))
    sync, commit = timeline.entries
    assert commit.text == "commit 0123456 Scale the api"
    assert commit.outcome == "synced in 450 ms" and commit.tone == "good"
    assert sync.text == "sync 0123456 commit: 1 configure" and sync.outcome == "took 120 ms"


def test_a_failed_sync_says_which_resource_failed() -> None:
    timeline = Timeline()
    timeline.record(CommitSeen(100.0, SHA, "Break it"))
    timeline.record(SyncStarted(100.1, SHA, "commit"))
    timeline.record(finished(101.0, ok=False))
    sync, commit = timeline.entries
    assert commit.outcome == "sync failed after 1000 ms" and commit.tone == "bad"
    assert "1 failed (Deployment.apps shop/api: denied)" in sync.text


def test_drift_is_completed_by_its_healing_and_the_heal_sync_adds_nothing() -> None:
    timeline = Timeline()
    drift = (FieldDrift(".spec.replicas", 2, 5, "kubectl-scale"),)
    timeline.record(DriftDetected(200.0, API, drift, "kubectl-scale"))
    assert timeline.entries[0].outcome == ""
    assert not timeline.record(SyncStarted(200.01, SHA, "heal"))
    assert not timeline.record(finished(200.2))
    assert timeline.record(Healed(200.3, API, 312.0))
    (entry,) = timeline.entries
    assert entry.text == "drift Deployment.apps shop/api by kubectl-scale: .spec.replicas"
    assert entry.outcome == "healed in 312 ms" and entry.tone == "good"


def test_only_news_about_health_is_kept() -> None:
    timeline = Timeline()
    assert not timeline.record(HealthChanged(1.0, API, Health.PROGRESSING, Health.HEALTHY, ""))
    assert timeline.record(HealthChanged(2.0, API, Health.HEALTHY, Health.DEGRADED, "crash"))
    assert timeline.entries[0].text.endswith("Healthy → Degraded (crash)")


def test_errors_reachability_and_toggles_are_listed_newest_first() -> None:
    timeline = Timeline()
    timeline.record(ClusterReachability(1.0, False, "connection refused"))
    timeline.record(ClusterReachability(2.0, True, ""))
    timeline.record(AgentError(3.0, "apply failed", API))
    timeline.record(ToggleChanged(4.0, Toggle.SELF_HEAL, False))
    assert [e.text for e in timeline.entries] == [
        "self-heal off",
        "error: Deployment.apps shop/api: apply failed",
        "cluster reachable again",
        "cluster unreachable: connection refused",
    ]


def test_old_entries_scroll_away() -> None:
    timeline = Timeline(limit=3)
    for n in range(5):
        timeline.record(ToggleChanged(float(n), Toggle.PRUNE, bool(n % 2)))
    assert [e.at for e in timeline.entries] == [4.0, 3.0, 2.0]
