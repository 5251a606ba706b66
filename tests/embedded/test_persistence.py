"""State survives restarts, and a kill -9 at any moment leaves state that loads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import urllib3
import yaml
from kubernetes import client, config

from gitops_tui.cluster.embedded.cluster import EmbeddedCluster
from tests.conftest import FAST


def test_objects_and_resource_versions_survive_a_restart(tmp_path: Path) -> None:
    with EmbeddedCluster(state_dir=tmp_path, options=FAST) as first:
        core = client.CoreV1Api(config.new_client_from_config(str(first.kubeconfig_path)))
        made = core.create_namespaced_config_map(
            "default", {"metadata": {"name": "kept"}, "data": {"k": "v"}}
        )
        token = first.token
    with EmbeddedCluster(state_dir=tmp_path, options=FAST) as second:
        assert second.token == token
        core = client.CoreV1Api(config.new_client_from_config(str(second.kubeconfig_path)))
        kept = core.read_namespaced_config_map("kept", "default")
        assert kept.data == {"k": "v"}
        assert kept.metadata.uid == made.metadata.uid
        newer = core.create_namespaced_config_map("default", {"metadata": {"name": "after"}})
        assert int(newer.metadata.resource_version) > int(made.metadata.resource_version)


def test_credentials_are_private_files(tmp_path: Path) -> None:
    with EmbeddedCluster(state_dir=tmp_path, options=FAST) as running:
        for path in (
            running.kubeconfig_path,
            tmp_path / "token",
            tmp_path / "pki" / "apiserver.key",
            tmp_path / "cluster.sqlite3",  # holds Secrets
            tmp_path / "cluster.sqlite3-wal",
        ):
            assert path.stat().st_mode & 0o777 == 0o600
        server = yaml.safe_load(running.kubeconfig_path.read_text())["clusters"][0]["cluster"][
            "server"
        ]
        assert server.startswith("https://127.0.0.1:")


def _start_server(state_dir: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitops_tui", "cluster", "serve", "--state-dir", str(state_dir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "ready at" in line:
            break
    kubeconfig = yaml.safe_load((state_dir / "kubeconfig").read_text())
    return proc, {
        "server": kubeconfig["clusters"][0]["cluster"]["server"],
        "token": kubeconfig["users"][0]["user"]["token"],
        "ca": str(state_dir / "pki" / "ca.crt"),
    }


def test_kill_9_during_writes_leaves_loadable_state(tmp_path: Path) -> None:
    written = 0
    for round_number in range(3):
        proc, endpoint = _start_server(tmp_path)
        http = urllib3.PoolManager(ca_certs=endpoint["ca"])
        headers = {
            "Authorization": f"Bearer {endpoint['token']}",
            "Content-Type": "application/json",
        }
        deadline = time.monotonic() + 0.4 + 0.2 * round_number
        while time.monotonic() < deadline:
            body = b'{"metadata":{"name":"cm-%d"},"data":{"n":"%d"}}' % (written, written)
            response = http.request(
                "POST",
                endpoint["server"] + "/api/v1/namespaces/default/configmaps",
                body=body,
                headers=headers,
            )
            assert response.status == 201
            written += 1
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with EmbeddedCluster(state_dir=tmp_path, options=FAST) as restarted:
        assert restarted.api is not None
        rt = restarted.api.registry.lookup("", "v1", "configmaps")
        assert rt is not None
        names = {o["metadata"]["name"] for o in restarted.api.list(rt, "default")["items"]}
        # Every acknowledged write is there: the process died, the OS kept the data.
        assert {f"cm-{i}" for i in range(written)} <= names
