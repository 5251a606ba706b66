"""Benchmark ``gitops-tui check`` and the working-tree preview, printing a table with targets.

Generates repositories of 1,000 and 10,000 resources (per app: a Deployment, a Service, a
ConfigMap and a ServiceAccount, one file per app) and times what ``check`` does in-process:
read every file, build the desired state and run every rule, schemas included. Each run starts
cold (schemas loaded and compiled again), as a fresh ``gitops-tui check`` process does; the
median of three runs is reported, with the CPU time beside the wall time because a busy machine
stretches the second but not the first.

Then a watcher follows the 1,000-resource tree and a file is saved again and again: the time
from the save to the new desired state, minus the watcher's quiet time (the debounce), is the
preview latency, reported as p50 and p95. The same is measured for that tree as one
kustomization and for the example app's kustomize overlay: a kustomized tree is rendered again
as a whole on every save, by kustomize, whose own build time then dominates.

Run: ``python benchmarks/check_throughput.py``
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from gitops_tui.manifests.config import RepoConfig
from gitops_tui.manifests.render import render
from gitops_tui.manifests.schemas import builtin_schemas
from gitops_tui.manifests.validate import validate
from gitops_tui.manifests.watch import DEBOUNCE_MS, DesiredState, ManifestWatcher

EXAMPLE = Path(__file__).parents[1] / "gitops_tui" / "workspace" / "example"
TARGET_RESOURCES_PER_SECOND = 2_000
TARGET_PREVIEW_MS = 300
KINDS_PER_APP = 4
CHECK_RUNS = 3
SAVES = 20
#: Pause between saves, so each save is its own burst.
SETTLE_SECONDS = 0.3

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: bench
  labels: {{app: app-{i}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: app-{i}}}
  template:
    metadata:
      labels: {{app: app-{i}}}
    spec:
      serviceAccountName: app-{i}
      containers:
        - name: app
          image: registry.example.com/app-{i}:1.0.{i}
          ports:
            - containerPort: 8080
          env:
            - name: MODE
              value: production
          envFrom:
            - configMapRef: {{name: app-{i}}}
          resources:
            requests: {{cpu: 100m, memory: 64Mi}}
            limits: {{memory: 128Mi}}
          readinessProbe:
            httpGet: {{path: /healthz, port: 8080}}
---
apiVersion: v1
kind: Service
metadata:
  name: app-{i}
  namespace: bench
spec:
  selector: {{app: app-{i}}}
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-{i}
  namespace: bench
data:
  LOG_LEVEL: info
  FEATURE_X: "true"
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: app-{i}
  namespace: bench
"""

Row = tuple[str, str, str, str]


def generate(root: Path, resources: int, kustomized: bool = False) -> None:
    """A namespace plus ``resources - 1`` app objects (rounded down to whole apps)."""
    (root / "namespace.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bench\n", encoding="utf-8"
    )
    apps = root / "apps"
    apps.mkdir()
    names = []
    for i in range((resources - 1) // KINDS_PER_APP):
        names.append(f"apps/app-{i}.yaml")
        (apps / f"app-{i}.yaml").write_text(APP.format(i=i, replicas=2), encoding="utf-8")
    if kustomized:
        listed = "".join(f"  - {name}\n" for name in ["namespace.yaml", *names])
        (root / "kustomization.yaml").write_text(f"resources:\n{listed}", encoding="utf-8")


def time_check(resources: int) -> tuple[int, float, float, int]:
    """(resources checked, median wall seconds, median CPU seconds, findings), cold runs."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        generate(root, resources)
        config = RepoConfig()
        walls, cpus = [], []
        for _ in range(CHECK_RUNS):
            builtin_schemas.cache_clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            result = render(root, config)
            findings = validate(result, config)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - started_cpu)
        return (
            len(result.manifests),
            statistics.median(walls),
            statistics.median(cpus),
            len(findings),
        )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _follow(
    root: Path, save: Callable[[int], None], seen: Callable[[DesiredState, int], bool]
) -> list[float]:
    """Milliseconds from each ``save(n)`` to the desired state where ``seen(state, n)``,
    beyond the debounce."""
    stop = threading.Event()
    states = ManifestWatcher(root, None).states(stop)
    next(states)  # the initial state; the watch is live from here
    latencies = []
    for n in range(3, 3 + SAVES):
        time.sleep(SETTLE_SECONDS)
        saved = time.perf_counter()
        save(n)
        state = next(states)
        elapsed_ms = (time.perf_counter() - saved) * 1000
        if not seen(state, n):
            raise AssertionError(f"save {n} not seen in the next desired state")
        latencies.append(elapsed_ms - DEBOUNCE_MS)
    stop.set()
    states.close()
    return latencies


def _replicas(state: DesiredState, name: str) -> object:
    (deployment,) = [m for m in state.manifests if m.key.name == name and m.kind == "Deployment"]
    return deployment.body["spec"]["replicas"]


def time_preview(resources: int, kustomized: bool) -> list[float]:
    """Save one app's file of a generated tree again and again."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        generate(root, resources, kustomized)
        target = root / "apps" / "app-0.yaml"
        return _follow(
            root,
            lambda n: target.write_text(APP.format(i=0, replicas=n), encoding="utf-8"),
            lambda state, n: _replicas(state, "app-0") == n,
        )


def time_example_preview() -> list[float]:
    """Change the dev overlay's replica count of the example app (kustomize, 12 resources)."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(shutil.copytree(EXAMPLE, Path(scratch) / "example"))
        overlay = root / "overlays" / "dev" / "kustomization.yaml"
        original = overlay.read_text(encoding="utf-8")
        return _follow(
            root,
            lambda n: overlay.write_text(original.replace("count: 1", f"count: {n}")),
            lambda state, n: _replicas(state, "frontend") == n,
        )


def _check_row(size: int) -> Row:
    count, wall, cpu, findings = time_check(size)
    rate, cpu_rate = count / wall, count / cpu
    verdict = "ok" if rate >= TARGET_RESOURCES_PER_SECOND else "MISS"
    return (
        f"check, {count:,} resources",
        f"{rate:,.0f}/s ({wall:.2f} s; CPU {cpu:.2f} s = {cpu_rate:,.0f}/s; {findings} findings)",
        f">= {TARGET_RESOURCES_PER_SECOND:,}/s",
        verdict,
    )


def _preview_row(label: str, measure: Callable[[], list[float]]) -> Row:
    latencies = measure()
    p50, p95 = _percentile(latencies, 0.5), _percentile(latencies, 0.95)
    verdict = "ok" if p95 <= TARGET_PREVIEW_MS else "MISS"
    return (
        label,
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms beyond the {DEBOUNCE_MS} ms debounce ({SAVES} saves)",
        f"<= {TARGET_PREVIEW_MS} ms",
        verdict,
    )


def main() -> None:
    rows: list[Row] = [_check_row(size) for size in (1_000, 10_000)]
    rows.append(
        _preview_row("save -> desired state, 1,000 resources", lambda: time_preview(1_000, False))
    )
    rows.append(
        _preview_row(
            "  same tree as one kustomization", lambda: time_preview(1_000, kustomized=True)
        )
    )
    rows.append(_preview_row("  example app (kustomize overlay)", time_example_preview))
    header: Row = ("measure", "result", "target", "")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
