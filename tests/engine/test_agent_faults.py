"""The agent when the cluster goes away, comes back, or the agent itself is killed.

The embedded cluster keeps its objects in a state directory, so stopping it and starting it
again on the same port is a real API server restart, seen by the agent's open watches and
requests exactly as a crashed kube-apiserver would be.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_tui.cluster.client import ClusterClient, NotFound
from gitops_tui.cluster.embedded.cluster import EmbeddedCluster
from gitops_tui.engine.agent import Agent, AgentOptions
from gitops_tui.model import (
    AgentEvent,
    ClusterReachability,
    CommitSeen,
    Health,
    ResourceKey,
    SyncFinished,
    SyncStarted,
    SyncStatus,
)
from tests.conftest import FAST
from tests.engine.agent_support import (
    Events,
    GitRepo,
    config_map,
    namespace,
    not_synced,
    running_agent,
    state,
    synced,
    unique,
    wait_for,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RestartableCluster:
    """An embedded cluster that can be stopped and started again with the same state."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.port = free_port()
        self.running: EmbeddedCluster | None = None

    @property
    def kubeconfig_path(self) -> Path:
        return self.state_dir / "kubeconfig"

    def start(self) -> None:
        self.running = EmbeddedCluster(self.state_dir, port=self.port, options=FAST)
        self.running.start()

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop()
            self.running = None


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[RestartableCluster]:
    made = RestartableCluster(tmp_path / "cluster")
    made.start()
    yield made
    made.stop()


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "sandbox")


def settings(ns: str, count: int, value: str) -> dict[str, str | None]:
    files: dict[str, str | None] = {"ns.yaml": namespace(ns)}
    for index in range(count):
        files[f"cm-{index}.yaml"] = config_map(f"cm-{index}", ns, {"value": value})
    return files


def test_unreachable_cluster_makes_everything_unknown_then_converges(
    cluster: RestartableCluster, repo: GitRepo
) -> None:
    ns = unique("faults")
    first = repo.push("First", settings(ns, 3, "a"))
    with running_agent(cluster.kubeconfig_path, repo) as (agent, events, client):
        synced(events, first)
        mark = events.mark()
        cluster.stop()
        lost = events.wait(ClusterReachability, lambda e: not e.reachable, after=mark)
        assert "cannot reach the cluster" in lost.message
        snapshot = wait_for(lambda: (s := agent.snapshot()) and not s.reachable and s)
        managed = [r for r in snapshot.resources if r.sync is not None]
        assert managed
        assert all(r.sync is SyncStatus.UNKNOWN for r in managed)
        assert all(r.health is Health.UNKNOWN for r in snapshot.resources)

        second = repo.push("Second, while the cluster is down", settings(ns, 3, "b"))
        events.wait(CommitSeen, lambda e: e.revision == second, after=mark)
        assert not [e for e in events.since(mark) if isinstance(e, SyncStarted)]

        cluster.start()
        events.wait(ClusterReachability, lambda e: e.reachable, after=mark)
        synced(events, second, after=mark)
        snapshot = agent.snapshot()
        assert snapshot.reachable
        assert not_synced(snapshot) == []
        assert client.get("v1", "ConfigMap", ns, "cm-2")["data"] == {"value": "b"}


def test_a_cluster_stopped_in_the_middle_of_a_sync_converges_once_back(
    cluster: RestartableCluster, repo: GitRepo
) -> None:
    ns = unique("faults")
    first = repo.push("First", settings(ns, 2, "a"))
    second_sha: list[str] = []

    def stop_when_second_sync_starts(event: AgentEvent) -> None:
        # Deliberately blocking the agent's thread: the cluster is gone before any apply.
        if isinstance(event, SyncStarted) and event.revision in second_sha:
            cluster.stop()

    with running_agent(cluster.kubeconfig_path, repo, before_each=stop_when_second_sync_starts) as (
        agent,
        events,
        client,
    ):
        synced(events, first)
        mark = events.mark()
        second_sha.append(repo.push("Many objects", settings(ns, 30, "b")))
        second = second_sha[0]
        cut = events.wait(SyncFinished, lambda e: e.revision == second, after=mark)
        assert not cut.ok
        failed = [r for r in cut.results if not r.ok]
        assert failed
        assert all(r.message.startswith("not applied: ") for r in failed)
        events.wait(ClusterReachability, lambda e: not e.reachable, after=mark)
        snapshot = agent.snapshot()
        assert snapshot.revision == second  # being applied, so in force
        assert all(r.sync in (None, SyncStatus.UNKNOWN) for r in snapshot.resources)

        second_sha.clear()
        cluster.start()
        events.wait(ClusterReachability, lambda e: e.reachable, after=mark)
        retry = events.wait(SyncStarted, lambda e: e.reason == "retry", after=mark)
        assert retry.revision == second
        finished = events.wait(SyncFinished, after=events.items.index(retry))
        assert finished.ok
        assert not_synced(agent.snapshot()) == []
        assert client.get("v1", "ConfigMap", ns, "cm-29")["data"] == {"value": "b"}


AGENT_PROCESS = """
import json, sys, time
from pathlib import Path
from gitops_tui.cluster.client import ClusterClient
from gitops_tui.engine.agent import Agent, AgentOptions

def emit(event):
    print(json.dumps({"event": event.name, "revision": getattr(event, "revision", None),
                      "ok": getattr(event, "ok", None)}), flush=True)

client = ClusterClient.from_kubeconfig(sys.argv[1])
Agent(client, Path(sys.argv[2]), sys.argv[3], AgentOptions(), emit).start()
time.sleep(600)
"""


def test_an_agent_killed_with_sigkill_loses_nothing(
    cluster: RestartableCluster, repo: GitRepo, tmp_path: Path
) -> None:
    ns = unique("faults")
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n"
        f"  name: token\n  namespace: {ns}\nstringData:\n  token: s3cret\n"
    )
    first = repo.push("With a secret", {**settings(ns, 1, "a"), "secret.yaml": secret})
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            AGENT_PROCESS,
            str(cluster.kubeconfig_path),
            str(repo.bare),
            repo.branch,
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            event = json.loads(line)
            if event["event"] == "sync_finished" and event["revision"] == first:
                assert event["ok"]
                break
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    # A new agent rebuilds its whole view from Git and the cluster: nothing to do.
    events = Events()
    client = ClusterClient.from_kubeconfig(cluster.kubeconfig_path)
    agent = Agent(client, repo.bare, repo.branch, AgentOptions(), events)
    agent.start()
    try:
        snapshot = wait_for(lambda: (s := agent.snapshot()).revision and s)
        assert snapshot.revision == first
        assert not_synced(snapshot) == []
        assert not [e for e in events.items if isinstance(e, SyncStarted)]

        # The Secret's kind is no longer in Git at all: the agent still knows it owns one.
        mark = events.mark()
        second = repo.push("Drop the secret", {"secret.yaml": None})
        finished = synced(events, second, after=mark)
        key = ResourceKey("", "Secret", ns, "token")
        assert (key, "delete") in {(r.key, r.action) for r in finished.results}
        with pytest.raises(NotFound):
            client.get("v1", "Secret", ns, "token")
        assert key not in {r.key for r in agent.snapshot().resources}
        assert state(agent.snapshot(), ResourceKey("", "ConfigMap", ns, "cm-0")).sync is (
            SyncStatus.SYNCED
        )
    finally:
        agent.stop()
        client.close()


def test_a_sync_asked_for_while_the_cluster_is_away_runs_when_it_is_back(
    cluster: RestartableCluster, repo: GitRepo
) -> None:
    ns = unique("faults")
    first = repo.push("First", settings(ns, 1, "a"))
    options = AgentOptions(auto_sync=False)
    with running_agent(cluster.kubeconfig_path, repo, options) as (agent, events, client):
        events.wait(CommitSeen, lambda e: e.revision == first)
        mark = events.mark()
        cluster.stop()
        events.wait(ClusterReachability, lambda e: not e.reachable)
        agent.request_sync()
        cluster.start()
        events.wait(ClusterReachability, lambda e: e.reachable, after=mark)
        started = events.wait(SyncStarted, after=mark)
        assert (started.revision, started.reason) == (first, "manual")
        synced(events, first, after=mark)
        assert client.get("v1", "ConfigMap", ns, "cm-0")["data"] == {"value": "a"}
