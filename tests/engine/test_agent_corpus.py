"""Right after a sync nothing is OutOfSync: for the example app and for a broad corpus.

The corpus (``tests/engine/corpus``) holds every kind the embedded cluster serves, written the
way people write them: quantities as ``0.5`` and plain byte counts, int and named ports,
empty maps, Secrets with ``stringData``, a CRD with its custom resources in the same commit.
Each verdict is a fresh server-side-apply dry run by a new agent (nothing cached), so any
defaulting or canonicalisation the dry run and the stored object disagree on would show.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_tui.cluster.client import ClusterClient
from gitops_tui.cluster.embedded.cluster import EmbeddedCluster
from gitops_tui.engine.agent import Agent, AgentOptions, AgentSnapshot
from gitops_tui.engine.diff import MASK
from gitops_tui.model import DriftDetected, Health, ResourceKey, SyncStatus
from gitops_tui.workspace import init
from tests.conftest import FAST
from tests.engine.agent_support import (
    GIT_ENV,
    Events,
    GitRepo,
    not_synced,
    running_agent,
    state,
    synced,
    wait_for,
)

CORPUS = Path(__file__).parent / "corpus"
SECRET_VALUES = ("s3cr3t-value", "top-secret-token", "plain-b", "admin")


@pytest.fixture(scope="module")
def cluster() -> Iterator[EmbeddedCluster]:
    with EmbeddedCluster(options=FAST) as running:
        yield running


@pytest.fixture
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)


def fresh_verdicts(cluster: EmbeddedCluster, repo: Path, branch: str) -> AgentSnapshot:
    """Every resource judged anew by an agent that has never seen the cluster."""
    with ClusterClient.from_kubeconfig(cluster.kubeconfig_path) as client:
        return Agent(client, repo, branch, AgentOptions(), Events()).refresh()


def test_the_example_app_has_nothing_out_of_sync_after_a_sync(
    cluster: EmbeddedCluster, tmp_path: Path, git_identity: None
) -> None:
    workspace = init(tmp_path / "app", tmp_path / "state").workspace
    repo = GitRepo.__new__(GitRepo)
    repo.bare, repo.branch = workspace.bare_path, workspace.branch
    with running_agent(cluster.kubeconfig_path, repo) as (agent, events, _):
        head = agent.snapshot().head or wait_for(lambda: agent.snapshot().head)
        synced(events, head)
        assert not_synced(agent.snapshot()) == []
        after_sync = fresh_verdicts(cluster, workspace.bare_path, workspace.branch)
        assert not_synced(after_sync) == []
        assert len([r for r in after_sync.resources if r.sync is not None]) == 12

        # Controllers roll the Deployments out and write status: still nothing drifts.
        frontend = ResourceKey("apps", "Deployment", "shop", "frontend")
        wait_for(lambda: state(agent.snapshot(), frontend).health is Health.HEALTHY)
        assert not_synced(fresh_verdicts(cluster, workspace.bare_path, workspace.branch)) == []
        assert not [e for e in events.items if isinstance(e, DriftDetected)]


def test_a_broad_corpus_has_nothing_out_of_sync_after_a_sync(
    cluster: EmbeddedCluster, tmp_path: Path
) -> None:
    repo = GitRepo(tmp_path / "corpus")
    files: dict[str, str | None] = {
        path.name: path.read_text() for path in sorted(CORPUS.glob("*.yaml"))
    }
    revision = repo.push("The corpus", files)
    with running_agent(cluster.kubeconfig_path, repo) as (agent, events, _):
        finished = synced(events, revision, timeout=30)
        order = [r.key.kind for r in finished.results]
        assert order.index("CustomResourceDefinition") < order.index("Widget")
        assert not_synced(agent.snapshot()) == []

        snapshot = fresh_verdicts(cluster, repo.bare, repo.branch)
        assert not_synced(snapshot) == []
        kinds = {r.key.kind for r in snapshot.resources if r.sync is SyncStatus.SYNCED}
        assert kinds >= {
            "Namespace", "ConfigMap", "Secret", "ServiceAccount", "Service", "Pod",
            "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob",
            "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress", "Role",
            "RoleBinding", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
            "Widget",
        }  # fmt: skip

        # Once the workloads have rolled out, status updates have not made anything drift.
        web = ResourceKey("apps", "Deployment", "corpus", "web")
        wait_for(lambda: state(agent.snapshot(), web).health is Health.HEALTHY)
        assert not_synced(fresh_verdicts(cluster, repo.bare, repo.branch)) == []
        assert not [e for e in events.items if isinstance(e, DriftDetected)]


def test_secret_values_never_leave_the_agent(cluster: EmbeddedCluster, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "secrets")
    revision = repo.push("Secrets", {"core.yaml": (CORPUS / "core.yaml").read_text()})
    with running_agent(cluster.kubeconfig_path, repo) as (agent, events, client):
        synced(events, revision, timeout=30)
        mark = events.mark()
        client.patch(
            "v1", "Secret", "corpus", "from-data",
            {"data": {"token": "bGVha2VkLXRva2Vu"}}, "merge", "kubectl-edit",
        )  # fmt: skip
        drift = events.wait(DriftDetected, after=mark)
        assert [(f.path, f.desired, f.live) for f in drift.fields] == [
            (".data.token", "*** (changed)", MASK)
        ]
        secret = state(agent.snapshot(), ResourceKey("", "Secret", "corpus", "from-string-data"))
        assert secret.desired is not None
        assert secret.desired["stringData"] == {"username": MASK, "password": MASK}
        assert secret.live is not None
        assert secret.live["data"] == {"username": MASK, "password": MASK}
        shown = repr(agent.snapshot()) + repr(events.items)
        for value in (*SECRET_VALUES, "dG9wLXNlY3JldC10b2tlbg==", "bGVha2VkLXRva2Vu"):
            assert value not in shown
