"""Self-heal backoff: Argo CD's schedule (2 s, x3, at most 5 min), per resource and per drift."""

from __future__ import annotations

from gitops_tui.engine.heal import MAX_DELAY, HealBackoff
from gitops_tui.model import ResourceKey

WEB = ResourceKey("apps", "Deployment", "shop", "web")
API = ResourceKey("apps", "Deployment", "shop", "api")
SCALED = ((".spec.replicas", "5"),)
RETAGGED = ((".spec.template.spec.containers[name=web].image", "'nginx:1.28'"),)


def test_the_first_heal_is_immediate() -> None:
    assert HealBackoff().due(WEB, SCALED, now=100.0) == 100.0


def test_the_same_drift_waits_2_then_6_then_18_seconds_up_to_5_minutes() -> None:
    backoff = HealBackoff()
    now = 0.0
    waits = []
    for _ in range(8):
        due = backoff.due(WEB, SCALED, now)
        waits.append(due - now)
        now = due
        backoff.healed(WEB, SCALED, now)
    assert waits == [0.0, 2.0, 6.0, 18.0, 54.0, 162.0, MAX_DELAY, MAX_DELAY]


def test_a_different_drift_or_another_resource_is_healed_at_once() -> None:
    backoff = HealBackoff()
    backoff.healed(WEB, SCALED, now=10.0)
    backoff.healed(WEB, SCALED, now=12.0)
    assert backoff.due(WEB, SCALED, now=12.5) == 18.0
    assert backoff.due(WEB, RETAGGED, now=12.5) == 12.5
    assert backoff.due(API, SCALED, now=12.5) == 12.5


def test_a_resource_quiet_for_longer_than_the_longest_wait_starts_over() -> None:
    backoff = HealBackoff()
    for at in (0.0, 2.0, 8.0):
        backoff.healed(WEB, SCALED, now=at)
    later = 8.0 + MAX_DELAY + 1
    assert backoff.due(WEB, SCALED, now=later) == later
    backoff.healed(WEB, SCALED, now=later)
    assert backoff.due(WEB, SCALED, now=later) == later + 2.0
