"""The agent against the real embedded cluster and real bare repositories pushed to with git.

Each test works in namespaces of its own, and each agent owns only what its sandbox applied,
so the tests share one cluster.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_tui.cluster.client import ClusterClient, NotFound
from gitops_tui.cluster.embedded.cluster import EmbeddedCluster
from gitops_tui.engine.agent import Agent, AgentOptions
from gitops_tui.engine.desired import SANDBOX_LABEL
from gitops_tui.engine.plan import OWNERSHIP_LABEL, OWNERSHIP_VALUE
from gitops_tui.model import (
    AgentError,
    CommitSeen,
    DriftDetected,
    Healed,
    ResourceKey,
    RevisionRejected,
    SyncFinished,
    SyncStarted,
    SyncStatus,
    Toggle,
    ToggleChanged,
)
from tests.conftest import FAST, Kubectl
from tests.engine.agent_support import (
    Events,
    GitRepo,
    config_map,
    deployment,
    namespace,
    not_synced,
    running_agent,
    state,
    synced,
    unique,
    wait_for,
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[EmbeddedCluster]:
    with EmbeddedCluster(options=FAST) as running:
        yield running


@pytest.fixture(scope="module")
def client(cluster: EmbeddedCluster) -> Iterator[ClusterClient]:
    with ClusterClient.from_kubeconfig(cluster.kubeconfig_path) as made:
        yield made


@pytest.fixture(scope="module")
def kubectl(cluster: EmbeddedCluster) -> Kubectl:
    return Kubectl(cluster.kubeconfig_path)


@pytest.fixture
def ns() -> str:
    return unique("agent")


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "sandbox")


def cm_key(ns: str, name: str) -> ResourceKey:
    return ResourceKey("", "ConfigMap", ns, name)


def deploy_key(ns: str, name: str) -> ResourceKey:
    return ResourceKey("apps", "Deployment", ns, name)


def test_a_commit_pushed_with_plain_git_is_synced(
    cluster: EmbeddedCluster, client: ClusterClient, repo: GitRepo, ns: str
) -> None:
    first = repo.push(
        "Add settings",
        {"ns.yaml": namespace(ns), "settings.yaml": config_map("settings", ns, {"mode": "a"})},
    )
    with running_agent(cluster.kubeconfig_path, repo) as (agent, events, _):
        synced(events, first)
        snapshot = agent.snapshot()
        assert snapshot.revision == first == snapshot.head
        assert snapshot.revision_message == "Add settings"
        assert not_synced(snapshot) == []
        live = client.get("v1", "ConfigMap", ns, "settings")
        assert live["data"] == {"mode": "a"}
        labels = live["metadata"]["labels"]
        assert labels[OWNERSHIP_LABEL] == OWNERSHIP_VALUE
        assert SANDBOX_LABEL in labels
        assert any(e["manager"] == "gitops-tui" for e in live["metadata"]["managedFields"])

        mark = events.mark()
        second = repo.push(
            "Switch to b", {"settings.yaml": config_map("settings", ns, {"mode": "b"})}
        )
        seen = events.wait(CommitSeen, lambda e: e.revision == second, after=mark)
        assert seen.message == "Switch to b"
        finished = synced(events, second, after=mark)
        assert {(r.key, r.action) for r in finished.results} >= {
            (cm_key(ns, "settings"), "configure"),
            (ResourceKey("", "Namespace", "", ns), "unchanged"),
        }
        assert client.get("v1", "ConfigMap", ns, "settings")["data"] == {"mode": "b"}
        snapshot = agent.snapshot()
        assert snapshot.revision == second
        assert snapshot.history[0].revision == second
        assert snapshot.history[1].revision == first
        assert snapshot.last_sync == snapshot.history[0]
        assert not [e for e in events.items if isinstance(e, AgentError)]


def test_an_invalid_revision_is_rejected_and_the_previous_one_stays(
    cluster: EmbeddedCluster, client: ClusterClient, repo: GitRepo, ns: str
) -> None:
    good = repo.push(
        "Good",
        {"ns.yaml": namespace(ns), "settings.yaml": config_map("settings", ns, {"mode": "a"})},
    )
    with running_agent(cluster.kubeconfig_path, repo) as (agent, events, _):
        synced(events, good)
        mark = events.mark()
        broken = repo.push(
            "Break it",
            {
                "settings.yaml": config_map("settings", ns, {"mode": "b"}),
                "broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n",
            },
        )
        rejected = events.wait(RevisionRejected, lambda e: e.revision == broken, after=mark)
        assert any(reason.startswith("broken.yaml:4") for reason in rejected.reasons), rejected
        snapshot = agent.snapshot()
        assert snapshot.revision == good
        assert snapshot.head == broken
        assert snapshot.rejected == rejected
        assert not [e for e in events.since(mark) if isinstance(e, SyncStarted)]
        assert client.get("v1", "ConfigMap", ns, "settings")["data"] == {"mode": "a"}

        fixed = repo.push("Fix it", {"broken.yaml": None})
        synced(events, fixed, after=mark)
        assert client.get("v1", "ConfigMap", ns, "settings")["data"] == {"mode": "b"}
        assert agent.snapshot().rejected is None


def test_prune_deletes_only_owned_objects_gone_from_git(
    cluster: EmbeddedCluster, client: ClusterClient, repo: GitRepo, ns: str
) -> None:
    first = repo.push(
        "Two settings",
        {
            "ns.yaml": namespace(ns),
            "keep.yaml": config_map("keep", ns, {"a": "1"}),
            "drop.yaml": config_map("drop", ns, {"a": "2"}),
        },
    )
    with running_agent(cluster.kubeconfig_path, repo) as (agent, events, _):
        synced(events, first)
        # Made by hand in the same namespace: not ours, never pruned.
        client.server_side_apply(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "by-hand", "namespace": ns},
                "data": {"a": "3"},
            },
            "kubectl",
        )
        mark = events.mark()
        second = repo.push("Drop one", {"drop.yaml": None})
        finished = synced(events, second, after=mark)
        assert (cm_key(ns, "drop"), "delete") in {(r.key, r.action) for r in finished.results}
        with pytest.raises(NotFound):
            client.get("v1", "ConfigMap", ns, "drop")
        client.get("v1", "ConfigMap", ns, "by-hand")
        client.get("v1", "ConfigMap", ns, "keep")
        keys = {r.key for r in agent.snapshot().resources}
        assert cm_key(ns, "by-hand") not in keys
        assert cm_key(ns, "drop") not in keys


def test_with_prune_off_a_dropped_object_stays_as_extra(
    cluster: EmbeddedCluster, client: ClusterClient, repo: GitRepo, ns: str
) -> None:
    first = repo.push(
        "Two settings",
        {
            "ns.yaml": namespace(ns),
            "keep.yaml": config_map("keep", ns, {"a": "1"}),
            "drop.yaml": config_map("drop", ns, {"a": "2"}),
        },
    )
    options = AgentOptions(prune=False)
    with running_agent(cluster.kubeconfig_path, repo, options) as (agent, events, _):
        synced(events, first)
        mark = events.mark()
        second = repo.push("Drop one", {"drop.yaml": None})
        finished = synced(events, second, after=mark)
        skipped = next(r for r in finished.results if r.key == cm_key(ns, "drop"))
        assert skipped.action == "skip"
        assert "pruning is disabled" in skipped.message
        client.get("v1", "ConfigMap", ns, "drop")
        assert state(agent.snapshot(), cm_key(ns, "drop")).sync is SyncStatus.EXTRA

        mark = events.mark()
        agent.set_toggle(Toggle.PRUNE, True)
        events.wait(ToggleChanged, lambda e: e.toggle is Toggle.PRUNE and e.enabled, after=mark)
        finished = events.wait(SyncFinished, after=mark)
        assert (cm_key(ns, "drop"), "delete") in {(r.key, r.action) for r in finished.results}


def test_kubectl_scale_is_detected_attributed_and_healed(
    cluster: EmbeddedCluster, client: ClusterClient, kubectl: Kubectl, repo: GitRepo, ns: str
) -> None:
    first = repo.push("Web", {"ns.yaml": namespace(ns), "web.yaml": deployment("web", ns, 2)})
    with running_agent(cluster.kubeconfig_path, repo) as (agent, events, _):
        synced(events, first)
        mark = events.mark()
        kubectl.run("scale", "deployment/web", "-n", ns, "--replicas=5")
        drift = events.wait(DriftDetected, lambda e: e.key == deploy_key(ns, "web"), after=mark)
        assert [(f.path, f.desired, f.live) for f in drift.fields] == [(".spec.replicas", 2, 5)]
        assert drift.manager is not None
        assert drift.manager.startswith("kubectl")
        healed = events.wait(Healed, lambda e: e.key == deploy_key(ns, "web"), after=mark)
        assert healed.latency_ms > 0
        assert client.get("apps/v1", "Deployment", ns, "web")["spec"]["replicas"] == 2
        assert state(agent.snapshot(), deploy_key(ns, "web")).sync is SyncStatus.SYNCED
        heal = agent.snapshot().history[0]
        assert heal.reason == "heal"
        assert [(r.key, r.action) for r in heal.results] == [(deploy_key(ns, "web"), "configure")]


def test_kubectl_edit_is_detected_attributed_and_healed(
    cluster: EmbeddedCluster,
    client: ClusterClient,
    kubectl: Kubectl,
    repo: GitRepo,
    ns: str,
    tmp_path: Path,
) -> None:
    first = repo.push("Web", {"ns.yaml": namespace(ns), "web.yaml": deployment("web", ns, 1)})
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[-1])\n"
        "p.write_text(p.read_text().replace('image: nginx:1.27', 'image: nginx:1.28'))\n"
    )
    with running_agent(cluster.kubeconfig_path, repo) as (agent, events, _):
        synced(events, first)
        mark = events.mark()
        kubectl.run("edit", "deployment/web", "-n", ns, env={"KUBE_EDITOR": f"python3 {editor}"})
        drift = events.wait(DriftDetected, lambda e: e.key == deploy_key(ns, "web"), after=mark)
        assert [(f.path, f.desired, f.live, f.manager) for f in drift.fields] == [
            (
                ".spec.template.spec.containers[name=web].image",
                "nginx:1.27",
                "nginx:1.28",
                "kubectl-edit",
            )
        ]
        assert drift.manager == "kubectl-edit"
        events.wait(Healed, lambda e: e.key == deploy_key(ns, "web"), after=mark)
        live = client.get("apps/v1", "Deployment", ns, "web")
        assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
        assert not_synced(agent.snapshot()) == []


def test_a_deleted_resource_is_recreated(
    cluster: EmbeddedCluster, client: ClusterClient, repo: GitRepo, ns: str
) -> None:
    first = repo.push(
        "Settings",
        {"ns.yaml": namespace(ns), "settings.yaml": config_map("settings", ns, {"a": "1"})},
    )
    with running_agent(cluster.kubeconfig_path, repo) as (_, events, _):
        synced(events, first)
        mark = events.mark()
        client.delete("v1", "ConfigMap", ns, "settings")
        drift = events.wait(DriftDetected, lambda e: e.key == cm_key(ns, "settings"), after=mark)
        assert drift.fields == ()
        events.wait(Healed, lambda e: e.key == cm_key(ns, "settings"), after=mark)
        assert client.get("v1", "ConfigMap", ns, "settings")["data"] == {"a": "1"}


def test_the_same_drift_again_is_healed_only_after_a_backoff(
    cluster: EmbeddedCluster, client: ClusterClient, repo: GitRepo, ns: str
) -> None:
    first = repo.push(
        "Settings",
        {"ns.yaml": namespace(ns), "settings.yaml": config_map("settings", ns, {"a": "1"})},
    )

    def tamper() -> None:
        client.patch("v1", "ConfigMap", ns, "settings", {"data": {"a": "2"}}, "merge", "script")

    with running_agent(cluster.kubeconfig_path, repo) as (agent, events, _):
        synced(events, first)
        mark = events.mark()
        tamper()
        events.wait(Healed, after=mark)
        mark = events.mark()
        tamper()
        events.wait(DriftDetected, after=mark)
        # Not undone at once this time: the drift stays visible while the agent waits.
        assert state(agent.snapshot(), cm_key(ns, "settings")).sync is SyncStatus.OUT_OF_SYNC
        assert client.get("v1", "ConfigMap", ns, "settings")["data"] == {"a": "2"}
        assert not [e for e in events.since(mark) if isinstance(e, Healed)]
        events.wait(Healed, after=mark, timeout=10)
        assert client.get("v1", "ConfigMap", ns, "settings")["data"] == {"a": "1"}

        # A different drift on the same resource is undone at once.
        mark = events.mark()
        client.patch("v1", "ConfigMap", ns, "settings", {"data": {"b": "x"}}, "merge", "script")
        client.patch("v1", "ConfigMap", ns, "settings", {"data": {"a": "3"}}, "merge", "script")
        events.wait(Healed, after=mark, timeout=1.5)


def test_with_auto_sync_off_commits_and_drift_are_shown_and_applied_on_request(
    cluster: EmbeddedCluster, client: ClusterClient, repo: GitRepo, ns: str
) -> None:
    first = repo.push(
        "Settings",
        {"ns.yaml": namespace(ns), "settings.yaml": config_map("settings", ns, {"a": "1"})},
    )
    options = AgentOptions(auto_sync=False)
    with running_agent(cluster.kubeconfig_path, repo, options) as (agent, events, _):
        events.wait(CommitSeen, lambda e: e.revision == first)
        snapshot = wait_for(lambda: (s := agent.snapshot()).reachable and s.resources and s)
        assert state(snapshot, cm_key(ns, "settings")).sync is SyncStatus.MISSING
        assert snapshot.revision is None
        assert snapshot.toggles[Toggle.AUTO_SYNC] is False

        mark = events.mark()
        agent.request_sync()
        synced(events, first, after=mark)

        mark = events.mark()
        second = repo.push("Change", {"settings.yaml": config_map("settings", ns, {"a": "2"})})
        events.wait(CommitSeen, lambda e: e.revision == second, after=mark)
        wait_for(
            lambda: state(agent.snapshot(), cm_key(ns, "settings")).sync is SyncStatus.OUT_OF_SYNC
        )
        client.patch("v1", "ConfigMap", ns, "settings", {"data": {"a": "9"}}, "merge", "script")
        drift_seen = events.wait(DriftDetected, after=mark)
        assert [(f.path, f.desired, f.live) for f in drift_seen.fields] == [(".data.a", "2", "9")]
        assert drift_seen.manager == "script"
        assert client.get("v1", "ConfigMap", ns, "settings")["data"] == {"a": "9"}
        assert not [e for e in events.since(mark) if isinstance(e, SyncStarted)]
        assert agent.snapshot().revision == first
        assert agent.snapshot().head == second

        mark = events.mark()
        agent.set_toggle(Toggle.AUTO_SYNC, True)
        changed = events.wait(ToggleChanged, after=mark)
        assert (changed.toggle, changed.enabled) == (Toggle.AUTO_SYNC, True)
        synced(events, second, after=mark)
        assert client.get("v1", "ConfigMap", ns, "settings")["data"] == {"a": "2"}


def test_with_self_heal_off_drift_is_reported_and_kept_until_turned_on(
    cluster: EmbeddedCluster, client: ClusterClient, repo: GitRepo, ns: str
) -> None:
    first = repo.push("Web", {"ns.yaml": namespace(ns), "web.yaml": deployment("web", ns, 1)})
    options = AgentOptions(self_heal=False)
    with running_agent(cluster.kubeconfig_path, repo, options) as (agent, events, _):
        synced(events, first)
        mark = events.mark()
        client.patch(
            "apps/v1",
            "Deployment",
            ns,
            "web",
            {"spec": {"replicas": 3}},
            "merge",
            "kubectl-scale",
            subresource="scale",
        )
        events.wait(DriftDetected, after=mark)
        web = state(agent.snapshot(), deploy_key(ns, "web"))
        assert web.sync is SyncStatus.OUT_OF_SYNC
        assert [(d.path, d.manager) for d in web.drift] == [(".spec.replicas", "kubectl-scale")]
        assert not [e for e in events.since(mark) if isinstance(e, SyncStarted)]

        agent.set_toggle(Toggle.SELF_HEAL, True)
        events.wait(Healed, after=mark)
        assert client.get("apps/v1", "Deployment", ns, "web")["spec"]["replicas"] == 1


def test_a_resource_the_server_refuses_fails_alone(
    cluster: EmbeddedCluster, client: ClusterClient, repo: GitRepo, ns: str
) -> None:
    elsewhere = unique("missing")
    first = repo.push(
        "Partly applicable",
        {
            "ns.yaml": namespace(ns),
            "ok.yaml": config_map("fine", ns, {"a": "1"}),
            "nowhere.yaml": config_map("lost", elsewhere, {"a": "1"}),
        },
    )
    with running_agent(cluster.kubeconfig_path, repo) as (agent, events, _):
        finished = events.wait(SyncFinished, lambda e: e.revision == first)
        assert not finished.ok
        results = {r.key: r for r in finished.results}
        assert results[cm_key(ns, "fine")].ok
        lost = results[cm_key(elsewhere, "lost")]
        assert not lost.ok
        assert lost.action == "create"
        assert elsewhere in lost.message
        client.get("v1", "ConfigMap", ns, "fine")
        snapshot = agent.snapshot()
        assert state(snapshot, cm_key(elsewhere, "lost")).sync is SyncStatus.MISSING
        assert state(snapshot, cm_key(ns, "fine")).sync is SyncStatus.SYNCED


def test_owned_children_appear_in_the_live_tree(
    cluster: EmbeddedCluster, repo: GitRepo, ns: str
) -> None:
    first = repo.push("Web", {"ns.yaml": namespace(ns), "web.yaml": deployment("web", ns, 2)})
    with running_agent(cluster.kubeconfig_path, repo) as (agent, events, _):
        synced(events, first)

        def tree() -> tuple[list[str], list[str]] | None:
            resources = agent.snapshot().resources
            sets = [r for r in resources if r.key.kind == "ReplicaSet"]
            pods = [r for r in resources if r.key.kind == "Pod" and r.key.namespace == ns]
            if len(sets) != 1 or len(pods) != 2:
                return None
            return [str(r.owner) for r in sets], [str(r.owner) for r in pods]

        sets, pods = wait_for(tree)
        assert sets == [str(deploy_key(ns, "web"))]
        assert all(owner.startswith(f"ReplicaSet.apps {ns}/web-") for owner in pods)
        children = [r for r in agent.snapshot().resources if r.owner is not None]
        assert all(r.sync is None for r in children)


def test_one_shot_refresh_and_sync_once_without_starting(
    cluster: EmbeddedCluster, client: ClusterClient, repo: GitRepo, ns: str
) -> None:
    revision = repo.push(
        "Settings",
        {"ns.yaml": namespace(ns), "settings.yaml": config_map("settings", ns, {"a": "1"})},
    )
    events = Events()
    agent = Agent(client, repo.bare, repo.branch, AgentOptions(), events)
    before = agent.refresh()
    assert before.head == revision
    assert state(before, cm_key(ns, "settings")).sync is SyncStatus.MISSING
    record = agent.sync_once()
    assert record.ok
    assert record.revision == revision
    assert (cm_key(ns, "settings"), "create") in {(r.key, r.action) for r in record.results}
    after = Agent(client, repo.bare, repo.branch, AgentOptions(), Events()).refresh()
    assert not_synced(after) == []
    assert after.revision == revision
    agent.stop()


def test_an_emptied_repository_is_not_synced_automatically(
    cluster: EmbeddedCluster, client: ClusterClient, repo: GitRepo, ns: str
) -> None:
    first = repo.push(
        "Settings",
        {"ns.yaml": namespace(ns), "settings.yaml": config_map("settings", ns, {"a": "1"})},
    )
    with running_agent(cluster.kubeconfig_path, repo) as (agent, events, _):
        synced(events, first)
        mark = events.mark()
        emptied = repo.push("Oops", {"ns.yaml": None, "settings.yaml": None})
        refused = events.wait(AgentError, after=mark)
        assert "has no objects" in refused.message
        assert not [e for e in events.since(mark) if isinstance(e, SyncStarted)]
        assert state(agent.snapshot(), cm_key(ns, "settings")).sync is SyncStatus.EXTRA
        client.get("v1", "ConfigMap", ns, "settings")

        mark = events.mark()
        agent.request_sync()
        finished = events.wait(SyncFinished, lambda e: e.revision == emptied, after=mark)
        assert (cm_key(ns, "settings"), "delete") in {(r.key, r.action) for r in finished.results}
