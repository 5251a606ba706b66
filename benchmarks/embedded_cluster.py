"""Benchmark the embedded cluster: start-to-ready, server-side applies/s, gets/s, memory.

Run: ``python benchmarks/embedded_cluster.py`` (about a minute). Prints a table with the issue's
targets: ready < 1 s; >= 300 server-side applies/s from one client; 5,000 objects < 300 MB RSS.

Each figure is measured against a ``gitops-tui cluster serve`` subprocess, as users run it, from
one client holding one keep-alive connection (urllib3), so the numbers are the server's.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import urllib3
import yaml


def start_server(state_dir: Path) -> tuple[subprocess.Popen[str], str, str, float]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitops_tui", "cluster", "serve", "--state-dir", str(state_dir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "ready at" in line:
            break
    elapsed = time.perf_counter() - started
    config = yaml.safe_load((state_dir / "kubeconfig").read_text())
    return (
        proc,
        config["clusters"][0]["cluster"]["server"],
        config["users"][0]["user"]["token"],
        elapsed,
    )


def in_process_ready_seconds() -> float:
    from gitops_tui.cluster.embedded.cluster import EmbeddedCluster

    samples = []
    for _ in range(5):
        started = time.perf_counter()
        cluster = EmbeddedCluster()
        cluster.start()
        samples.append(time.perf_counter() - started)
        cluster.stop()
    return statistics.median(samples)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def deployment(i: int) -> dict[str, Any]:
    name = f"bench-{i}"
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": "nginx:1.27",
                            "ports": [{"containerPort": 80}],
                            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                        }
                    ]
                },
            },
        },
    }


def main() -> None:
    rows: list[tuple[str, str, str, str]] = []
    ready_in_process = in_process_ready_seconds()
    rows.append(
        (
            "start-to-ready (in-process, median of 5)",
            f"{ready_in_process:.3f} s",
            "< 1 s",
            "ok" if ready_in_process < 1 else "MISSED",
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        proc, server, token, ready_cli = start_server(Path(tmp))
        rows.append(
            (
                "start-to-ready (`cluster serve` process)",
                f"{ready_cli:.3f} s",
                "< 1 s",
                "ok" if ready_cli < 1 else "MISSED",
            )
        )
        try:
            http = urllib3.PoolManager(maxsize=1, ca_certs=str(Path(tmp) / "pki" / "ca.crt"))
            auth = {"Authorization": f"Bearer {token}"}
            count = 600
            started = time.perf_counter()
            for i in range(count):
                url = (
                    f"{server}/apis/apps/v1/namespaces/default/deployments/bench-{i}"
                    "?fieldManager=bench&force=true"
                )
                response = http.request(
                    "PATCH",
                    url,
                    body=json.dumps(deployment(i)).encode(),
                    headers={**auth, "Content-Type": "application/apply-patch+yaml"},
                )
                assert response.status in (200, 201), response.data
            applies = count / (time.perf_counter() - started)
            rows.append(
                (
                    "server-side applies/s (create, one client)",
                    f"{applies:.0f}",
                    ">= 300",
                    "ok" if applies >= 300 else "MISSED",
                )
            )
            started = time.perf_counter()
            for i in range(count):
                url = (
                    f"{server}/apis/apps/v1/namespaces/default/deployments/bench-{i}"
                    "?fieldManager=bench&force=true"
                )
                body = deployment(i)
                body["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
                response = http.request(
                    "PATCH",
                    url,
                    body=json.dumps(body).encode(),
                    headers={**auth, "Content-Type": "application/apply-patch+yaml"},
                )
                assert response.status == 200, response.data
            reapplies = count / (time.perf_counter() - started)
            rows.append(
                (
                    "server-side applies/s (update, one client)",
                    f"{reapplies:.0f}",
                    ">= 300",
                    "ok" if reapplies >= 300 else "MISSED",
                )
            )
            started = time.perf_counter()
            for i in range(count):
                response = http.request(
                    "GET",
                    f"{server}/apis/apps/v1/namespaces/default/deployments/bench-{i}",
                    headers=auth,
                )
                assert response.status == 200
            gets = count / (time.perf_counter() - started)
            rows.append(("gets/s (one client)", f"{gets:.0f}", "-", "-"))
            for i in range(5000 - count):
                body = json.dumps(
                    {"metadata": {"name": f"cm-{i}"}, "data": {"key": "value " * 20}}
                ).encode()
                http.request(
                    "POST",
                    f"{server}/api/v1/namespaces/default/configmaps",
                    body=body,
                    headers={**auth, "Content-Type": "application/json"},
                )
            memory = rss_mb(proc.pid)
            rows.append(
                (
                    "RSS at 5,000 objects (600 Deployments + 4,400 ConfigMaps)",
                    f"{memory:.0f} MB",
                    "< 300 MB",
                    "ok" if memory < 300 else "MISSED",
                )
            )
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'result':>10}  {'target':>9}  status")
    for name, value, target, status in rows:
        print(f"{name:<{width}}  {value:>10}  {target:>9}  {status}")


if __name__ == "__main__":
    main()
