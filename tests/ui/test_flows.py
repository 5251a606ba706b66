"""The app end to end, as a user drives it: keys pressed through Textual's Pilot, against the
embedded cluster with the real agent and a real sandbox repository.

Each test asserts on the messages the app processed (what happened) and on the state it shows
(what the user sees), waiting for conditions rather than sleeping.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input

from gitops_tui.cluster.client import NotFound
from gitops_tui.cluster.embedded.cluster import CONTEXT_NAME, EmbeddedCluster
from gitops_tui.commands.kubectl import run_kubectl
from gitops_tui.engine.agent import AgentOptions
from gitops_tui.model import (
    DriftDetected,
    Healed,
    ResourceKey,
    ResourceState,
    SyncStarted,
    SyncStatus,
    Toggle,
    ToggleChanged,
)
from gitops_tui.ui.app import GitOpsApp
from gitops_tui.ui.messages import (
    ActionFailed,
    AgentReported,
    CommitPushed,
    DriftSimulated,
    HistoryRead,
    SessionFailed,
    StatusRead,
    WorkingTreeCompared,
)
from gitops_tui.ui.preview import Pending
from gitops_tui.ui.rows import Row, RowKind, arrange, visible
from gitops_tui.ui.screens.commit import CommitScreen
from gitops_tui.ui.screens.edit import EditScreen
from gitops_tui.ui.screens.help import HelpScreen
from gitops_tui.ui.screens.history import HistoryScreen
from gitops_tui.ui.screens.main import MainScreen
from gitops_tui.ui.screens.worktree import WorkingTreeScreen
from gitops_tui.ui.simulation import kubectl_edit_args
from tests.ui.conftest import FAST, Recorder, screen_text, until

CONFIG_MAP = ResourceKey("", "ConfigMap", "shop", "api-config")
FRONTEND = ResourceKey("apps", "Deployment", "shop", "frontend")
CRON_JOB = ResourceKey("batch", "CronJob", "shop", "cart-cleanup")
SIZE = (100, 32)

Scenario = Callable[[GitOpsApp, Pilot[Any]], Any]


def drive(app: GitOpsApp, recorder: Recorder, scenario: Scenario) -> None:
    async def run() -> None:
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            await until(pilot, lambda: synced(app), "the example app to be synced")
            await scenario(app, pilot)

    asyncio.run(run())


def synced(app: GitOpsApp) -> bool:
    view = app.main.view
    return bool(
        view is not None
        and view.resources
        and view.header.last_sync is not None
        and all(s.sync in (SyncStatus.SYNCED, None) for s in view.resources)
    )


def state(app: GitOpsApp, key: ResourceKey) -> ResourceState | None:
    view = app.main.view
    return next((s for s in view.resources if s.key == key), None) if view else None


def row_of(app: GitOpsApp, key: ResourceKey) -> Row:
    return next(r for r in app.main.grid.rows if r.key == key)


def live_value(app: GitOpsApp, key: ResourceKey, *path: str) -> Any:
    current = state(app, key)
    node: Any = current.live if current else None
    for step in path:
        node = node.get(step) if isinstance(node, dict) else None
    return node


def events(recorder: Recorder, kind: type[Any]) -> list[Any]:
    return [m.event for m in recorder.of(AgentReported) if isinstance(m.event, kind)]


def app_path(app: GitOpsApp) -> Path:
    assert app.session is not None
    return app.session.workspace.path


def edit_config_map(app: GitOpsApp, message: str) -> None:
    path = app_path(app) / "base" / "api-configmap.yaml"
    path.write_text(path.read_text().replace("Welcome to the shop", message))


def test_commit_of_an_edited_file_turns_synced(make_app: Any, recorder: Recorder) -> None:
    async def scenario(app: GitOpsApp, pilot: Pilot[Any]) -> None:
        edit_config_map(app, "Hello from a commit")
        await until(
            pilot,
            lambda: row_of(app, CONFIG_MAP).pending is Pending.MODIFIED,
            "the edit to show as pending in the Desired tree",
        )
        assert app.main.view is not None and app.main.view.header.uncommitted == 1
        await until(pilot, lambda: "✎ edited" in screen_text(app), "the edit on screen")

        await pilot.press("c")
        assert isinstance(app.screen, CommitScreen)
        await until(pilot, lambda: recorder.of(StatusRead), "the changed files")
        assert [c.path for c in recorder.of(StatusRead)[-1].status.changes] == [
            "base/api-configmap.yaml"
        ]
        app.screen.query_one("#commit-message", Input).value = "Greet from a commit"
        await pilot.press("enter")
        pushed = await until(pilot, lambda: recorder.of(CommitPushed), "the commit to be pushed")
        assert pushed[0].result.files == ("base/api-configmap.yaml",)

        await until(
            pilot,
            lambda: (
                live_value(app, CONFIG_MAP, "data", "PODINFO_UI_MESSAGE") == "Hello from a commit"
                and synced(app)
            ),
            "the commit to be live and synced",
        )
        await until(pilot, lambda: app.preview and not app.preview.pending, "pending to clear")
        assert app.main.view is not None
        assert app.main.view.header.head == pushed[0].result.commit
        assert any("synced in" in e.outcome for e in app.timeline.entries)

    drive(make_app(), recorder, scenario)


def test_simulated_scale_shows_drift_then_heals(make_app: Any, recorder: Recorder) -> None:
    async def scenario(app: GitOpsApp, pilot: Pilot[Any]) -> None:
        await pilot.press("h")
        await until(
            pilot,
            lambda: any(e.toggle is Toggle.SELF_HEAL for e in events(recorder, ToggleChanged)),
            "self-heal to be switched off",
        )
        # Repaints are batched (at most ~10/s): the header follows within a frame or two.
        await until(pilot, lambda: "self-heal:off" in screen_text(app), "the header to say so")

        assert app.main.select(FRONTEND)
        await pilot.press("e")
        assert isinstance(app.screen, EditScreen)
        app.screen.choose("scale")
        await pilot.press("enter")  # keep the value offered: one more replica
        simulated = await until(pilot, lambda: recorder.of(DriftSimulated), "the scale")
        assert simulated[0].change.manager == "kubectl-scale"

        drift = await until(
            pilot,
            lambda: [e for e in events(recorder, DriftDetected) if e.key == FRONTEND],
            "the agent to detect the drift",
        )
        assert [(f.path, f.manager) for f in drift[0].fields] == [
            (".spec.replicas", "kubectl-scale")
        ]
        await until(
            pilot,
            lambda: (s := state(app, FRONTEND)) and s.sync is SyncStatus.OUT_OF_SYNC,
            "the drift to show",
        )
        text = screen_text(app)
        assert ".spec.replicas" in text and "kubectl-scale" in text and "OutOfSync" in text

        await pilot.press("h")
        healed = await until(
            pilot,
            lambda: [e for e in events(recorder, Healed) if e.key == FRONTEND],
            "the drift to be healed",
        )
        assert healed[0].latency_ms > 0
        await until(pilot, lambda: live_value(app, FRONTEND, "spec", "replicas") == 1, "1 replica")
        await until(pilot, lambda: synced(app), "everything to be synced again")
        assert any(e.outcome.startswith("healed in") for e in app.timeline.entries)

    drive(make_app(), recorder, scenario)


def test_revert_from_history_undoes_a_commit(make_app: Any, recorder: Recorder) -> None:
    async def scenario(app: GitOpsApp, pilot: Pilot[Any]) -> None:
        assert app.session is not None
        edit_config_map(app, "About to be reverted")
        commit = app.session.workspace.commit("Change the greeting").commit
        await until(
            pilot,
            lambda: (
                live_value(app, CONFIG_MAP, "data", "PODINFO_UI_MESSAGE") == "About to be reverted"
            ),
            "the commit to be live",
        )

        await pilot.press("r")
        assert isinstance(app.screen, HistoryScreen)
        history = await until(pilot, lambda: recorder.of(HistoryRead), "the history")
        assert history[0].entries[0].sha == commit
        assert history[0].entries[0].resources.changed == (CONFIG_MAP,)
        await pilot.press("enter")
        assert "change back ConfigMap shop/api-config" in screen_text(app)
        await pilot.press("y")
        pushed = await until(pilot, lambda: recorder.of(CommitPushed), "the revert")
        assert pushed[0].reverted == commit
        assert isinstance(app.screen, MainScreen)

        await until(
            pilot,
            lambda: (
                live_value(app, CONFIG_MAP, "data", "PODINFO_UI_MESSAGE") == "Welcome to the shop"
                and synced(app)
            ),
            "the revert to be live",
        )

    drive(make_app(), recorder, scenario)


def test_deleting_a_file_prunes_its_resource(make_app: Any, recorder: Recorder) -> None:
    async def scenario(app: GitOpsApp, pilot: Pilot[Any]) -> None:
        assert app.session is not None
        base = app_path(app) / "base"
        (base / "cleanup-cronjob.yaml").unlink()
        kustomization = base / "kustomization.yaml"
        kustomization.write_text(
            kustomization.read_text().replace("  - cleanup-cronjob.yaml\n", "")
        )
        await until(
            pilot,
            lambda: app.preview and app.preview.pending.get(CRON_JOB) is Pending.DELETED,
            "the removal to show as pending",
        )
        await pilot.press("c")
        await until(pilot, lambda: recorder.of(StatusRead), "the changed files")
        app.screen.query_one("#commit-message", Input).value = "Drop the cleanup job"
        await pilot.press("enter")
        await until(pilot, lambda: recorder.of(CommitPushed), "the commit")

        await until(pilot, lambda: state(app, CRON_JOB) is None, "the CronJob to be pruned")
        assert synced(app)
        client = app.session.client
        try:
            client.get("batch/v1", "CronJob", "shop", "cart-cleanup")
        except NotFound:
            pass
        else:
            raise AssertionError("the CronJob is still in the cluster")

    drive(make_app(), recorder, scenario)


def test_broken_manifest_shows_file_and_line_and_keeps_the_tree(
    make_app: Any, recorder: Recorder
) -> None:
    async def scenario(app: GitOpsApp, pilot: Pilot[Any]) -> None:
        path = app_path(app) / "base" / "api-configmap.yaml"
        good = path.read_text()
        path.write_text(good.replace('PODINFO_LEVEL: "info"', "PODINFO_LEVEL: [unclosed"))
        await until(
            pilot,
            lambda: any(m.preview.errors for m in recorder.of(WorkingTreeCompared)),
            "the broken file to be reported",
        )
        assert app.preview is not None
        places = {(f.source.path, f.source.line) for f in app.preview.errors if f.source}
        assert ("base/api-configmap.yaml", 9) in places
        await until(
            pilot,
            lambda: "base/api-configmap.yaml:9" in screen_text(app),
            "the diagnostic on screen",
        )
        assert state(app, CONFIG_MAP) is not None  # the tree stays
        assert app.preview.pending.get(CONFIG_MAP) is None  # the last good objects stay

        path.write_text(good)
        await until(pilot, lambda: app.preview and not app.preview.findings, "the fix")
        await until(pilot, lambda: "api-configmap.yaml:9" not in screen_text(app), "bar to go")

    drive(make_app(), recorder, scenario)


def test_toggles_and_sync_now(make_app: Any, recorder: Recorder) -> None:
    async def scenario(app: GitOpsApp, pilot: Pilot[Any]) -> None:
        assert app.session is not None
        await pilot.press("a", "p")
        await until(
            pilot,
            lambda: (
                {e.toggle for e in events(recorder, ToggleChanged)}
                == {Toggle.AUTO_SYNC, Toggle.PRUNE}
            ),
            "auto-sync and prune to be switched off",
        )
        await until(
            pilot,
            lambda: "auto-sync:off" in (text := screen_text(app)) and "prune:off" in text,
            "the header to say so",
        )

        edit_config_map(app, "Applied only on request")
        commit = app.session.workspace.commit("Wait for a sync").commit
        await until(
            pilot,
            lambda: app.main.view and app.main.view.header.head == commit,
            "the new commit to be seen",
        )
        await until(
            pilot,
            lambda: (s := state(app, CONFIG_MAP)) and s.sync is SyncStatus.OUT_OF_SYNC,
            "the commit to show as out of sync, not applied",
        )
        assert live_value(app, CONFIG_MAP, "data", "PODINFO_UI_MESSAGE") == "Welcome to the shop"

        await pilot.press("s")
        started = await until(
            pilot,
            lambda: [e for e in events(recorder, SyncStarted) if e.reason == "manual"],
            "the sync to start",
        )
        assert started[0].revision == commit
        await until(
            pilot,
            lambda: (
                live_value(app, CONFIG_MAP, "data", "PODINFO_UI_MESSAGE")
                == "Applied only on request"
                and synced(app)
            ),
            "the sync to apply it",
        )
        await pilot.press("a")
        await until(
            pilot,
            lambda: [e for e in events(recorder, ToggleChanged) if e.enabled],
            "auto-sync back on",
        )
        assert app.session.agent.snapshot().toggles == {
            Toggle.AUTO_SYNC: True,
            Toggle.SELF_HEAL: True,
            Toggle.PRUNE: False,
        }

    drive(make_app(AgentOptions(poll_interval=0.5)), recorder, scenario)


def test_filter_help_working_tree_and_palette(make_app: Any, recorder: Recorder) -> None:
    async def scenario(app: GitOpsApp, pilot: Pilot[Any]) -> None:
        await pilot.press("slash", "d", "e", "p", "l", "o", "y")
        resources = [r for r in app.main.grid.rows if r.kind is RowKind.RESOURCE and r.depth == 2]
        assert {r.key.kind for r in resources if r.key} == {"Deployment"}
        assert app.main.query_text == "deploy"
        await pilot.press("escape")
        assert app.main.query_text == ""
        view = app.main.view
        assert view is not None
        assert app.main.grid.rows == visible(arrange(view.resources, view.pending))

        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "self-heal on/off" in screen_text(app)
        await pilot.press("escape")

        await pilot.press("w")
        assert isinstance(app.screen, WorkingTreeScreen)
        assert "No uncommitted manifest files." in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)

        await pilot.press("colon")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("s", "y", "n", "c")
        await until(pilot, lambda: "apply the latest commit now" in screen_text(app), "the hit")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: [e for e in events(recorder, SyncStarted) if e.reason == "manual"],
            "the palette's sync",
        )

    drive(make_app(), recorder, scenario)


def test_kubectl_edit_of_the_selected_resource(
    make_app: Any, recorder: Recorder, tmp_path: Path, monkeypatch: Any
) -> None:
    """The arguments the app hands to real kubectl edit an object the agent then sees drift
    in; in a terminal that cannot be suspended, the app says so instead of failing."""
    editor = tmp_path / "editor.py"
    editor.write_text(
        f"#!{sys.executable}\nimport sys, pathlib\np = pathlib.Path(sys.argv[-1])\n"
        "p.write_text(p.read_text().replace('replicas: 1', 'replicas: 3', 1))\n"
    )
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("KUBE_EDITOR", str(editor))
    monkeypatch.setenv("KUBECACHEDIR", str(tmp_path / "kubectl-cache"))

    async def scenario(app: GitOpsApp, pilot: Pilot[Any]) -> None:
        assert app.session is not None
        await pilot.press("h")
        await until(pilot, lambda: events(recorder, ToggleChanged), "self-heal off")
        # On the event loop's thread, as the app runs it (kubectl owns the terminal meanwhile).
        code = run_kubectl(app.session.provider_info, kubectl_edit_args(FRONTEND))
        assert code == 0
        drift = await until(
            pilot,
            lambda: [e for e in events(recorder, DriftDetected) if e.key == FRONTEND],
            "the kubectl edit to be seen as drift",
        )
        assert drift[0].manager == "kubectl-edit"

        assert app.main.select(FRONTEND)
        await pilot.press("e")
        assert isinstance(app.screen, EditScreen)
        app.screen.choose("kubectl-edit")
        failed = await until(pilot, lambda: recorder.of(ActionFailed), "the refusal")
        assert failed[0].action == "kubectl edit"
        assert os.environ["KUBE_EDITOR"] == str(editor)

    drive(make_app(), recorder, scenario)


def test_an_unreachable_cluster_shows_in_the_header_and_recovers(
    make_app: Any, recorder: Recorder, tmp_path: Path, monkeypatch: Any
) -> None:
    cluster = EmbeddedCluster(state_dir=tmp_path / "cluster", options=FAST)
    cluster.start()
    port = int(cluster.url.rsplit(":", 1)[1])
    monkeypatch.setenv("KUBECONFIG", str(cluster.kubeconfig_path))
    restarted: list[EmbeddedCluster] = []

    async def scenario(app: GitOpsApp, pilot: Pilot[Any]) -> None:
        await asyncio.to_thread(cluster.stop)
        await until(
            pilot,
            lambda: "cluster unreachable" in screen_text(app),
            "the header to say the cluster is unreachable",
        )
        view = app.main.view
        assert view is not None and not view.header.reachable
        assert all(s.sync in (SyncStatus.UNKNOWN, None) for s in view.resources)
        assert any("does not answer" in text for text, _ in view.problems)

        again = EmbeddedCluster(state_dir=tmp_path / "cluster", port=port, options=FAST)
        restarted.append(again)
        await asyncio.to_thread(again.start)
        await until(pilot, lambda: synced(app), "the agent to converge again")
        await until(
            pilot, lambda: "cluster unreachable" not in screen_text(app), "the header to recover"
        )
        assert any("reachable again" in e.text for e in app.timeline.entries)

    try:
        drive(make_app(cluster=f"context:{CONTEXT_NAME}"), recorder, scenario)
    finally:
        for running in (cluster, *restarted):
            running.stop()


def test_a_cluster_that_cannot_be_reached_at_start_is_explained(
    make_app: Any, recorder: Recorder, tmp_path: Path, monkeypatch: Any
) -> None:
    empty = tmp_path / "kubeconfig"
    empty.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    monkeypatch.setenv("KUBECONFIG", str(empty))
    app = make_app(cluster="context:nowhere")

    async def run() -> None:
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            failed = await until(pilot, lambda: recorder.of(SessionFailed), "the refusal")
            assert "nowhere" in failed[0].reason
            await until(pilot, lambda: "nowhere" in screen_text(app), "the reason on screen")
            assert "cannot start" in screen_text(app)
            await pilot.press("c", "s", "r")  # nothing to act on: ignored, no crash
            assert isinstance(app.screen, MainScreen)

    asyncio.run(run())
    assert app.session is None and app.failure is not None
