"""Benchmark the app's drawing at 1,000 and 5,000 resources: first render, keypress -> repaint,
filter latency, and how a burst of agent events is batched into repaints.

Run: ``python benchmarks/tui_render.py`` (about half a minute). Prints a table with the issue's
targets at 5,000 resources: first render <= 1 s, keypress p95 <= 50 ms, filter <= 100 ms.

The app runs headless at 160x50 (Textual's Pilot, the same driver the tests use) and draws views
built from realistic resource states (Deployments with a ReplicaSet and Pods, Services,
ConfigMaps, spread over namespaces); each figure includes Textual's layout and paint, measured
from the call until the app has written the frame that shows it. On a shared machine wall times
include waiting for a CPU: the keypress's own CPU time is printed beside it.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from textual import events
from textual._compositor import CompositorUpdate
from textual.pilot import Pilot

from gitops_tui.model import AgentError, Health, ResourceKey, ResourceState, SyncStatus, Toggle
from gitops_tui.ui.app import GitOpsApp
from gitops_tui.ui.messages import AgentReported
from gitops_tui.ui.overview import HeaderInfo, LastSync
from gitops_tui.ui.screens.main import MainScreen
from gitops_tui.ui.view import View

SIZES = (1_000, 5_000)
TARGETS = {"first render": 1000.0, "keypress p95": 50.0, "filter": 100.0}
KEYPRESSES = 200
FILTERS = ("deployment", "web-17", "outofsync", "degraded ns-3", "zzz-no-match", "")
BURST = 5_000


def states(count: int) -> tuple[ResourceState, ...]:
    """``count`` resources: a quarter Deployments (each with a ReplicaSet and a Pod)."""
    result: list[ResourceState] = []
    n = 0
    while len(result) < count:
        namespace = f"ns-{n % 40}"
        name = f"web-{n}"
        drifted = n % 97 == 0
        body: dict[str, object] = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "web"}]}}},
        }
        deployment = ResourceKey("apps", "Deployment", namespace, name)
        sync = SyncStatus.OUT_OF_SYNC if drifted else SyncStatus.SYNCED
        health = Health.DEGRADED if n % 53 == 0 else Health.HEALTHY
        result.append(ResourceState(deployment, sync, health, desired=body, live=body))
        replica_set = ResourceKey("apps", "ReplicaSet", namespace, f"{name}-5d8c")
        result.append(ResourceState(replica_set, None, health, live=body, owner=deployment))
        pod = ResourceKey("", "Pod", namespace, f"{name}-5d8c-x1")
        result.append(ResourceState(pod, None, health, live=body, owner=replica_set))
        for kind in ("Service", "ConfigMap"):
            key = ResourceKey("", kind, namespace, name)
            result.append(
                ResourceState(key, SyncStatus.SYNCED, Health.HEALTHY, desired=body, live=body)
            )
        n += 1
    return tuple(result[:count])


def view(resources: tuple[ResourceState, ...]) -> View:
    header = HeaderInfo(
        provider="embedded",
        cluster="127.0.0.1:6443",
        head="4b825dc642cb6eb9a060e54bf8d69288fbee4904",
        message="benchmark",
        toggles=dict.fromkeys(Toggle, True),
        counts={SyncStatus.SYNCED: len(resources)},
        last_sync=LastSync(time.time(), 100.0, True),
    )
    return View(header, resources)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


class Paints:
    """Waits for the next frame the app writes, rendered to the bytes a terminal would get.

    Pilot's own ``press`` also waits for the whole process to fall idle (about 50 ms each time),
    which would swamp the figure; this measures from the key event to the frame instead.
    """

    def __init__(self, app: GitOpsApp) -> None:
        self._app = app
        self._painted = asyncio.Event()
        self._original = app._display
        app._display = self._display  # type: ignore[method-assign]

    def _display(self, screen: Any, renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(self._app.console)
            self._painted.set()
        self._original(screen, renderable)

    async def timed(self, action: Callable[[], object]) -> float:
        """Milliseconds from ``action`` to the frame that shows its effect."""
        self._painted.clear()
        started = time.perf_counter()
        action()
        await asyncio.wait_for(self._painted.wait(), timeout=10)
        return (time.perf_counter() - started) * 1000


async def measure(count: int) -> dict[str, Any]:
    app = GitOpsApp(None, watch_working_tree=False)
    shown = view(states(count))
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        paints = Paints(app)
        first = await paints.timed(lambda: app.main.show(shown))
        await pilot.pause()

        def press(key: str) -> Callable[[], object]:
            return lambda: app.post_message(events.Key(key, None))

        presses, cpu = [], []
        for n in range(KEYPRESSES):
            started_cpu = time.process_time()
            presses.append(await paints.timed(press("down" if (n // 50) % 2 == 0 else "up")))
            cpu.append((time.process_time() - started_cpu) * 1000)

        filters = []
        for query in FILTERS:
            filters.append(await paints.timed(partial(app.main.apply_filter, query)))
            await pilot.pause()
        rows = len(app.main.grid.rows)
        repaints = await burst(app, pilot)
    return {
        "resources": count,
        "rows": rows,
        "first render": first,
        "keypress p50": statistics.median(presses),
        "keypress p95": p95(presses),
        "keypress cpu p95": p95(cpu),
        "filter": max(filters),
        "burst repaints": repaints,
    }


async def burst(app: GitOpsApp, pilot: Pilot[Any]) -> tuple[int, float]:
    """Post BURST agent events as fast as a thread can; count how often the screen redrew."""
    redraws = 0
    original = MainScreen.show

    def counting(screen: MainScreen, shown: View) -> None:
        nonlocal redraws
        redraws += 1
        original(screen, shown)

    app.main.show = counting.__get__(app.main)  # type: ignore[method-assign]
    started = time.perf_counter()
    for n in range(BURST):
        app.post_message(AgentReported(AgentError(time.time(), f"event {n}")))
    await pilot.pause(0.3)
    elapsed = time.perf_counter() - started
    return redraws, elapsed


def main() -> None:
    results = [asyncio.run(measure(count)) for count in SIZES]
    header = (
        f"{'resources':>9} {'rows':>6} {'first render':>13} {'key p50':>8} {'key p95':>8} "
        f"{'(cpu p95)':>9} {'filter':>8}  burst: events -> repaints"
    )
    print(header)
    for r in results:
        redraws, seconds = r["burst repaints"]
        print(
            f"{r['resources']:>9,} {r['rows']:>6,} {r['first render']:>10.0f} ms "
            f"{r['keypress p50']:>5.1f} ms {r['keypress p95']:>5.1f} ms "
            f"{r['keypress cpu p95']:>6.1f} ms {r['filter']:>5.0f} ms  "
            f"{BURST:,} in {seconds:.2f} s -> {redraws} repaints ({redraws / seconds:.0f}/s)"
        )
    last = results[-1]
    print(f"\nTargets at {last['resources']:,} resources:")
    for name, target in TARGETS.items():
        value = last[name]
        verdict = "ok" if value <= target else "MISSED"
        print(f"  {name:<13} {value:>7.1f} ms  (target <= {target:.0f} ms)  {verdict}")


if __name__ == "__main__":
    main()
