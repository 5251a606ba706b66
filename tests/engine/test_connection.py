"""Who serves a sandbox's cluster: ``up`` serves it, other commands join it or start it briefly,
only one process ever serves the same state directory, and ``down`` stops and deletes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from gitops_tui.cluster.providers.engine import EngineStatus
from gitops_tui.cluster.providers.kind import KindProvider
from gitops_tui.engine import connection
from gitops_tui.engine.connection import (
    NoCluster,
    SessionError,
    connect,
    start_serving,
    take_down,
)
from gitops_tui.engine.serving import ServingLock, read_record
from tests.cluster.doubles import FakeKind
from tests.conftest import FAST


def test_up_serves_and_other_commands_join_through_its_kubeconfig(tmp_path: Path) -> None:
    said: list[str] = []
    up = start_serving(tmp_path, "embedded", cluster_options=FAST, progress=said.append)
    try:
        assert said[0] == "--cluster embedded"
        assert said[-1].startswith("Cluster: the embedded cluster")
        assert up.info.name == "embedded"
        assert up.info.kubeconfig == tmp_path / "kubeconfig"
        assert not up.joined
        record = read_record(tmp_path)
        assert record is not None
        assert (record.pid, record.command, record.cluster) == (os.getpid(), "up", "embedded")
        assert record.joinable

        with pytest.raises(SessionError, match="`gitops-tui up` is already running"):
            start_serving(tmp_path, "embedded", cluster_options=FAST)

        joined = connect(tmp_path, None, command="status")
        try:
            assert joined.joined
            assert joined.info.server == up.info.server
            joined.client.ping()
        finally:
            joined.close()
        up.client.ping()  # joining and leaving does not stop the cluster

        with pytest.raises(SessionError, match="serves embedded, not context:other"):
            connect(tmp_path, "context:other", command="status")
    finally:
        up.close()
    assert ServingLock(tmp_path).try_acquire()


def test_without_up_a_command_starts_the_last_cluster_for_its_own_duration(
    tmp_path: Path,
) -> None:
    with pytest.raises(NoCluster, match="`gitops-tui up` starts one"):
        connect(tmp_path, None, command="sync")

    start_serving(tmp_path, "embedded", cluster_options=FAST).close()
    brief = connect(tmp_path, None, command="sync", cluster_options=FAST)
    try:
        assert not brief.joined
        assert brief.info.name == "embedded"
        brief.client.ping()
        assert not ServingLock(tmp_path).try_acquire()
    finally:
        brief.close()
    assert ServingLock(tmp_path).try_acquire()


def test_a_killed_holder_never_blocks_the_sandbox(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from gitops_tui.engine.serving import ServingLock\n"
            "lock = ServingLock(Path(sys.argv[1]))\n"
            "assert lock.try_acquire()\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert not ServingLock(tmp_path).try_acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert ServingLock(tmp_path).try_acquire()


def test_down_deletes_the_embedded_cluster_and_forgets_it(tmp_path: Path) -> None:
    assert take_down(tmp_path, None) == "This sandbox has no cluster: nothing to take down."
    start_serving(tmp_path, "embedded", cluster_options=FAST).close()
    assert (tmp_path / "cluster").is_dir()
    assert take_down(tmp_path, None) == "Deleted the embedded cluster and its objects."
    assert not (tmp_path / "cluster").exists()
    assert not (tmp_path / "kubeconfig").exists()
    assert read_record(tmp_path) is None


def test_an_unknown_cluster_is_refused_and_releases_the_sandbox(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="unknown cluster 'docker'"):
        start_serving(tmp_path, "docker")
    assert ServingLock(tmp_path).try_acquire()


class SlowFakeKind(FakeKind):
    """Stands in for kind (no Docker here), creating its cluster until told to finish."""

    def __init__(self, finish: Callable[[], bool]) -> None:
        super().__init__()
        self._finish = finish

    def __call__(self, argv: Sequence[str], timeout: float) -> str:
        if list(argv[1:3]) == ["create", "cluster"]:
            deadline = time.monotonic() + 10
            while not self._finish() and time.monotonic() < deadline:
                time.sleep(0.01)
        return super().__call__(argv, timeout)


def test_a_slow_kind_creation_says_what_happens_and_that_it_still_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "PROGRESS_EVERY", 0.02)
    said: list[str] = []
    kind = SlowFakeKind(finish=lambda: any("still starting" in line for line in said))
    provider = KindProvider(
        tmp_path,
        engine=lambda: EngineStatus(True, "answered"),
        kind_binary=lambda: Path("/usr/local/bin/kind"),
        run=kind,
    )
    info = connection._started(provider, said.append)
    assert info.context == "kind-gitops-tui"
    assert said[0].startswith("Starting the kind cluster 'gitops-tui' (the first time, kind")
    assert said[1].startswith("  still starting the kind cluster (")
