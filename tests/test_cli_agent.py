"""``gitops-tui up --headless --json`` as a real process, with a person at other terminals:
pushing with plain git, editing the cluster with kubectl and ``gitops-tui drift``, asking
``status``, ``diff`` and ``sync``.

One ``up`` (on the example app, embedded cluster) serves the tests of this module that need
one running; each test looks only at the events after its own action.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitops_tui.engine.serving import ServingLock
from tests.cli_process import UpProcess, git, gitops, isolated_env, kubectl

FRONTEND = {"group": "apps", "kind": "Deployment", "namespace": "shop", "name": "frontend"}
API_CONFIG = {"group": "", "kind": "ConfigMap", "namespace": "shop", "name": "api-config"}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return isolated_env(tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def up(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpProcess]:
    where = tmp_path_factory.mktemp("running")
    running = UpProcess(env, where / "app", where / "state")
    running.wait_for("sync_finished", ok=True)
    yield running
    running.stop()


def clone(env: dict[str, str], up: UpProcess, where: Path) -> Path:
    """A colleague's clone of the sandbox repository, in another directory."""
    git(env, where, "clone", "--quiet", str(up.state / "repo.git"), "colleague")
    return where / "colleague"


def replicas(env: dict[str, str], up: UpProcess, name: str = "frontend") -> int:
    out = kubectl(env, up.kubeconfig, "get", "deploy", name, "-n", "shop", "-o", "json")
    return int(json.loads(out)["spec"]["replicas"])


def status_json(env: dict[str, str], up: UpProcess) -> dict[str, Any]:
    result = gitops(env, "status", str(up.app), "--state-dir", str(up.state), "--json")
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def resource(status: dict[str, Any], wanted: dict[str, str]) -> dict[str, Any]:
    [found] = [r for r in status["agent"]["resources"] if r["resource"] == wanted]
    return found


def test_up_is_ready_then_syncs_the_sandbox(env: dict[str, str], up: UpProcess) -> None:
    ready = up.events[0]
    assert ready["event"] == "ready"
    assert ready["provider"] == "embedded"
    assert ready["cluster"].startswith("https://127.0.0.1:")
    head = git(env, up.state / "repo.git", "rev-parse", "main")
    finished = up.wait_for("sync_finished", revision=head)
    assert finished["ok"] is True
    assert isinstance(finished["duration_ms"], float)
    assert {"resource": FRONTEND, "action": "create", "ok": True, "message": ""} in finished[
        "results"
    ]
    assert up.bad_lines == []


def test_a_commit_pushed_with_plain_git_is_seen_and_synced(
    env: dict[str, str], up: UpProcess, tmp_path: Path
) -> None:
    colleague = clone(env, up, tmp_path)
    config = colleague / "base" / "api-configmap.yaml"
    config.write_text(config.read_text().replace('"info"', '"debug"'))
    git(env, colleague, "commit", "--quiet", "-am", "Debug logging for the api")
    sha = git(env, colleague, "rev-parse", "HEAD")
    mark = up.mark()
    git(env, colleague, "push", "--quiet", "origin", "main")

    seen = up.wait_for("commit_seen", after=mark, revision=sha)
    assert seen["message"].startswith("Debug logging for the api")
    finished = up.wait_for("sync_finished", after=mark, revision=sha, ok=True)
    assert {"resource": API_CONFIG, "action": "configure", "ok": True, "message": ""} in finished[
        "results"
    ]
    live = kubectl(env, up.kubeconfig, "get", "cm", "api-config", "-n", "shop", "-o", "json")
    assert json.loads(live)["data"]["PODINFO_LEVEL"] == "debug"


def test_drift_scale_is_detected_as_kubectl_scale_and_healed(
    env: dict[str, str], up: UpProcess
) -> None:
    mark = up.mark()
    made = gitops(
        env, "drift", "scale", "frontend", "4", "--path", str(up.app), "--state-dir", str(up.state)
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout == "Scaled Deployment.apps shop/frontend to 4 replica(s) as kubectl-scale.\n"

    drift = up.wait_for("drift_detected", after=mark, resource=FRONTEND)
    assert drift["manager"] == "kubectl-scale"
    assert {"path": ".spec.replicas", "desired": 1, "live": 4, "manager": "kubectl-scale"} in drift[
        "fields"
    ]
    healed = up.wait_for("healed", after=mark, resource=FRONTEND)
    assert healed["latency_ms"] > 0
    assert replicas(env, up) == 1


def test_kubectl_scale_by_hand_is_attributed_to_kubectl_and_healed(
    env: dict[str, str], up: UpProcess
) -> None:
    mark = up.mark()
    kubectl(env, up.kubeconfig, "scale", "deployment/frontend", "-n", "shop", "--replicas=5")
    drift = up.wait_for("drift_detected", after=mark, resource=FRONTEND)
    # kubectl scale names no field manager; the API server records the User-Agent's "kubectl".
    assert drift["manager"] == "kubectl"
    up.wait_for("healed", after=mark, resource=FRONTEND)
    assert replicas(env, up) == 1


def test_kubectl_edit_by_hand_is_attributed_to_kubectl_edit_and_healed(
    env: dict[str, str], up: UpProcess, tmp_path: Path
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('Welcome to the shop', 'Closed for lunch'))\n"
    )
    mark = up.mark()
    kubectl(
        env,
        up.kubeconfig,
        *("edit", "configmap/api-config", "-n", "shop"),
        KUBE_EDITOR=f"{sys.executable} {editor}",
    )
    drift = up.wait_for("drift_detected", after=mark, resource=API_CONFIG)
    assert drift["manager"] == "kubectl-edit"
    assert {
        "path": ".data.PODINFO_UI_MESSAGE",
        "desired": "Welcome to the shop",
        "live": "Closed for lunch",
        "manager": "kubectl-edit",
    } in drift["fields"]
    up.wait_for("healed", after=mark, resource=API_CONFIG)
    live = kubectl(env, up.kubeconfig, "get", "cm", "api-config", "-n", "shop", "-o", "json")
    assert json.loads(live)["data"]["PODINFO_UI_MESSAGE"] == "Welcome to the shop"


def test_status_diff_sync_and_kubectl_join_the_running_up(
    env: dict[str, str], up: UpProcess
) -> None:
    where = ("--state-dir", str(up.state))
    status = status_json(env, up)
    assert status["cluster"]["provider"] == "embedded"
    assert status["cluster"]["joined_up"] is True
    assert status["workspace"]["branch"] == "main"
    assert resource(status, FRONTEND)["sync"] == "Synced"
    assert resource(status, FRONTEND)["health"] == "Healthy"
    assert {r["sync"] for r in status["agent"]["resources"] if r["sync"]} == {"Synced"}

    diff = gitops(env, "diff", str(up.app), *where, "--exit-code")
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert "everything is in sync" in diff.stdout

    mark = up.mark()
    synced = gitops(env, "sync", str(up.app), *where)
    assert synced.returncode == 0, synced.stderr
    assert "unchanged" in synced.stdout
    assert "drift_detected" not in up.names(mark)

    listed = gitops(env, "kubectl", "get", "deploy", "-n", "shop", "-o", "name", cwd=up.app)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["deployment.apps/api", "deployment.apps/frontend"]
    missing = gitops(env, "kubectl", "get", "cm", "no-such-map", "-n", "shop", cwd=up.app)
    assert missing.returncode == 1
    assert 'configmaps "no-such-map" not found' in missing.stderr


def test_a_second_up_on_the_same_sandbox_is_refused(env: dict[str, str], up: UpProcess) -> None:
    second = gitops(env, "up", str(up.app), "--state-dir", str(up.state), "--headless")
    assert second.returncode == 1
    assert "`gitops-tui up` is already running for this sandbox" in second.stderr
    assert "Traceback" not in second.stderr


# Toggles


@pytest.fixture(scope="module")
def hands_off(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpProcess]:
    """An ``up`` that reports drift without healing it and never prunes."""
    where = tmp_path_factory.mktemp("hands-off")
    running = UpProcess(env, where / "app", where / "state", "--no-self-heal", "--no-prune")
    running.wait_for("sync_finished", ok=True)
    yield running
    running.stop()


def test_without_self_heal_drift_is_reported_and_stays_until_sync(
    env: dict[str, str], hands_off: UpProcess
) -> None:
    where = ("--state-dir", str(hands_off.state))
    mark = hands_off.mark()
    made = gitops(env, "drift", "scale", "frontend", "3", "--path", str(hands_off.app), *where)
    assert made.returncode == 0, made.stderr
    hands_off.wait_for("drift_detected", after=mark, resource=FRONTEND, manager="kubectl-scale")

    diff = gitops(env, "diff", str(hands_off.app), *where, "--exit-code")
    assert diff.returncode == 1
    assert "OutOfSync  Deployment.apps shop/frontend" in diff.stdout
    assert ".spec.replicas: 1 -> 3  by kubectl-scale" in diff.stdout
    assert replicas(env, hands_off) == 3
    assert "healed" not in hands_off.names(mark)

    synced = gitops(env, "sync", str(hands_off.app), *where)
    assert synced.returncode == 0, synced.stderr
    assert replicas(env, hands_off) == 1


def test_without_prune_a_resource_dropped_from_git_stays(
    env: dict[str, str], hands_off: UpProcess, tmp_path: Path
) -> None:
    colleague = clone(env, hands_off, tmp_path)
    kustomization = colleague / "base" / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("  - cleanup-cronjob.yaml\n", ""))
    git(env, colleague, "commit", "--quiet", "-am", "No more cart cleanup")
    sha = git(env, colleague, "rev-parse", "HEAD")
    mark = hands_off.mark()
    git(env, colleague, "push", "--quiet", "origin", "main")
    hands_off.wait_for("sync_finished", after=mark, revision=sha)

    kubectl(env, hands_off.kubeconfig, "get", "cronjob", "cart-cleanup", "-n", "shop")
    cron = {"group": "batch", "kind": "CronJob", "namespace": "shop", "name": "cart-cleanup"}
    assert resource(status_json(env, hands_off), cron)["sync"] == "Extra"


def test_without_auto_sync_commits_wait_for_sync_and_down_stops_up(
    env: dict[str, str], tmp_path: Path
) -> None:
    manual = UpProcess(env, tmp_path / "app", tmp_path / "state", "--no-auto-sync")
    try:
        manual.wait_for("ready")
        status = status_json(env, manual)
        assert resource(status, FRONTEND)["sync"] == "Missing"
        assert "sync_started" not in manual.names()

        synced = gitops(env, "sync", str(manual.app), "--state-dir", str(manual.state))
        assert synced.returncode == 0, synced.stderr
        assert resource(status_json(env, manual), FRONTEND)["sync"] == "Synced"

        down = gitops(env, "down", str(manual.app), "--state-dir", str(manual.state))
        assert down.returncode == 0, down.stderr
        assert "Deleted the embedded cluster and its objects." in down.stdout
        assert manual.proc.wait(timeout=30) == 0
        assert not (manual.state / "cluster").exists()
    finally:
        manual.stop()


# Without a running up


@pytest.fixture(scope="module")
def stopped(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> tuple[UpProcess, int]:
    """A sandbox whose ``up`` synced it and was then stopped with SIGTERM."""
    where = tmp_path_factory.mktemp("stopped")
    running = UpProcess(env, where / "app", where / "state")
    running.wait_for("sync_finished", ok=True)
    return running, running.stop(signal.SIGTERM)


def test_sigterm_stops_up_cleanly(stopped: tuple[UpProcess, int]) -> None:
    up, code = stopped
    assert code == 0
    errors = "".join(up.stderr)
    assert "Stopped. Git and the cluster keep the state" in errors
    assert "Traceback" not in errors
    assert "internal error" not in errors
    assert ServingLock(up.state).try_acquire()  # released: nothing serves the sandbox now


def test_ctrl_c_stops_up_cleanly_even_right_after_ready(
    env: dict[str, str], tmp_path: Path
) -> None:
    interrupted = UpProcess(env, tmp_path / "app", tmp_path / "state", "--no-auto-sync")
    interrupted.wait_for("ready")
    assert interrupted.stop(signal.SIGINT) == 0
    errors = "".join(interrupted.stderr)
    assert "Stopped. Git and the cluster keep the state" in errors
    assert "Traceback" not in errors
    assert ServingLock(interrupted.state).try_acquire()


def test_ctrl_c_while_the_cluster_starts_leaves_nothing_running(
    env: dict[str, str], tmp_path: Path
) -> None:
    where = (str(tmp_path / "app"), "--state-dir", str(tmp_path / "state"))
    starting = subprocess.Popen(
        [sys.executable, "-m", "gitops_tui", "up", *where, "--cluster", "embedded", "--headless"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert starting.stdout is not None
    for line in starting.stdout:
        if line.startswith("--cluster embedded"):  # said just before the cluster starts
            starting.send_signal(signal.SIGINT)
            break
    rest = starting.stdout.read()
    assert starting.wait(timeout=30) == 0
    assert "Traceback" not in rest
    assert (
        rest.rstrip()
        .splitlines()[-1]
        .startswith(("Interrupted while starting: nothing was left running.", "Stopped."))
    )
    assert ServingLock(tmp_path / "state").try_acquire()


def test_commands_work_without_up_on_the_cluster_it_left(
    env: dict[str, str], stopped: tuple[UpProcess, int]
) -> None:
    up, _ = stopped
    where = ("--state-dir", str(up.state))
    status = status_json(env, up)
    assert status["cluster"]["joined_up"] is False
    assert resource(status, FRONTEND)["sync"] == "Synced"

    made = gitops(env, "drift", "image", "frontend", "nginx:1.0", "--path", str(up.app), *where)
    assert made.returncode == 0, made.stderr
    assert "as kubectl-set." in made.stdout
    assert "No `gitops-tui up` is running, so nothing heals this yet" in made.stdout

    diff = gitops(env, "diff", str(up.app), *where)
    assert diff.returncode == 0
    assert "OutOfSync  Deployment.apps shop/frontend" in diff.stdout
    assert "by kubectl-set" in diff.stdout

    synced = gitops(env, "sync", str(up.app), *where)
    assert synced.returncode == 0, synced.stderr
    assert "configure" in synced.stdout
    assert gitops(env, "diff", str(up.app), *where, "--exit-code").returncode == 0


def test_a_drift_on_something_that_is_not_there_is_one_clear_line(
    env: dict[str, str], stopped: tuple[UpProcess, int]
) -> None:
    up, _ = stopped
    where = ("--path", str(up.app), "--state-dir", str(up.state))
    missing = gitops(env, "drift", "scale", "backend", "2", *where)
    assert missing.returncode == 1
    assert missing.stderr.splitlines() == [
        "No `gitops-tui up` is running: using the embedded cluster for this command.",
        "gitops-tui: no Deployment 'backend' in any namespace",
    ]
    not_a_map = gitops(env, "drift", "data", "deploy/frontend", "a=b", *where)
    assert not_a_map.returncode == 1
    assert "is not a ConfigMap" in not_a_map.stderr


def test_commands_on_a_sandbox_that_never_ran_up_say_what_to_do(
    env: dict[str, str], tmp_path: Path
) -> None:
    app, state = tmp_path / "app", tmp_path / "state"
    assert gitops(env, "init", str(app), "--state-dir", str(state)).returncode == 0
    where = (str(app), "--state-dir", str(state))
    status = gitops(env, "status", *where)
    assert status.returncode == 0
    assert "Cluster: this sandbox has no cluster yet: `gitops-tui up` starts one" in status.stdout
    synced = gitops(env, "sync", *where)
    assert synced.returncode == 1
    assert synced.stderr.startswith("gitops-tui: this sandbox has no cluster yet")

    config = app / "base" / "api-configmap.yaml"
    config.write_text(config.read_text().replace("\ndata:", "\ndata: [oops"))
    assert gitops(env, "commit", "-m", "Broken", *where).returncode == 0
    refused = gitops(env, "sync", *where, "--cluster", "embedded")
    assert refused.returncode == 1
    assert "cannot be applied (nothing was):" in refused.stderr
    assert re.search(r"^  base/api-configmap\.yaml:\d+: .*\(yaml-syntax\)$", refused.stderr, re.M)
    assert "Traceback" not in refused.stderr
