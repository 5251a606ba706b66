"""Reach a sandbox's cluster: start it (``up``), join the running ``up``, or start it briefly.

``up`` starts the provider ``--cluster`` names and serves the cluster until it stops. Every
other command (``status``, ``sync``, ``diff``, ``drift``, ``kubectl``) works with or without a
running ``up``: Git and the cluster hold the state, so such a command joins the running ``up``
through its kubeconfig, or, when none runs, starts the cluster the sandbox used last for its
own duration and stops it again (the embedded cluster's objects are kept in the state
directory; kind keeps running in Docker; a kubeconfig context is simply used). Who serves is
arbitrated by :mod:`gitops_tui.engine.serving`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gitops_tui.cluster.client import ClusterClient, ClusterError
from gitops_tui.cluster.embedded.options import ClusterOptions
from gitops_tui.cluster.providers.auto import resolve_provider
from gitops_tui.cluster.providers.base import ClusterInfo, Provider, ProviderError
from gitops_tui.cluster.providers.embedded import EmbeddedProvider
from gitops_tui.cluster.providers.kind import CLUSTER_NAME, KindProvider
from gitops_tui.engine.serving import (
    UP,
    SandboxBusy,
    ServingLock,
    ServingRecord,
    acquire_or_join,
    forget,
    read_record,
)

Progress = Callable[[str], None]

#: Seconds a command waits for another command that holds the cluster only briefly, or for an
#: ``up`` still starting its cluster, before it gives up.
JOIN_TIMEOUT = 60.0
#: Seconds ``down`` waits for a running ``up`` to stop after SIGTERM.
DOWN_TIMEOUT = 30.0
#: Seconds between "still starting" lines while a cluster starts (creating kind takes minutes).
PROGRESS_EVERY = 10.0


class SessionError(Exception):
    """The cluster cannot be reached or started; the message says what to do."""


class NoCluster(SessionError):
    """The sandbox has never had a cluster and none was named."""


@dataclass(frozen=True)
class ProviderInfo:
    """Which cluster a session uses, for people (``describe``) and for kubectl (kubeconfig)."""

    name: str
    """``embedded``, ``kind`` or ``context:NAME``: what ``--cluster`` takes."""
    description: str
    reason: str
    """Why this cluster: the ``--cluster`` given, ``auto``'s finding, or the joined ``up``."""
    kubeconfig: Path
    context: str
    server: str


class ClusterConnection:
    """A reachable cluster and who is responsible for stopping it."""

    def __init__(
        self,
        info: ProviderInfo,
        client: ClusterClient,
        *,
        provider: Provider | None = None,
        lock: ServingLock | None = None,
    ) -> None:
        self.info = info
        self.client = client
        self._provider = provider
        self._lock = lock
        self._closed = False
        #: Reached through a running ``up``, which keeps serving after this one closes.
        self.joined = provider is None

    def close(self) -> None:
        """Close the client, stop the cluster if this process started it, release the lock."""
        if self._closed:
            return
        self._closed = True
        self.client.close()
        try:
            if self._provider is not None:
                self._provider.stop()
                self._provider = None
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None


def start_serving(
    state_dir: Path,
    cluster: str,
    *,
    kind_config: Path | None = None,
    cluster_options: ClusterOptions | None = None,
    progress: Progress | None = None,
) -> ClusterConnection:
    """``up``: start the cluster ``cluster`` names and serve it (refused if an ``up`` runs)."""
    try:
        got = acquire_or_join(
            state_dir, join=False, timeout=JOIN_TIMEOUT, waiting=_waiting_for(progress)
        )
    except SandboxBusy as exc:
        raise SessionError(str(exc)) from exc
    assert isinstance(got, ServingLock)
    return _serve(got, cluster, UP, kind_config, cluster_options, progress)


def connect(
    state_dir: Path,
    cluster: str | None,
    *,
    command: str,
    kind_config: Path | None = None,
    cluster_options: ClusterOptions | None = None,
    progress: Progress | None = None,
) -> ClusterConnection:
    """Any command but ``up``: join the running ``up``, or start the cluster for a while.

    ``cluster`` (``--cluster``) defaults to the one the sandbox used last; naming another than
    the running ``up`` serves is refused rather than silently ignored.
    """
    try:
        got = acquire_or_join(
            state_dir, join=True, timeout=JOIN_TIMEOUT, waiting=_waiting_for(progress)
        )
    except SandboxBusy as exc:
        raise SessionError(str(exc)) from exc
    if isinstance(got, ServingRecord):
        return _join(got, cluster)
    spec = cluster or _last_cluster(state_dir)
    if spec is None:
        got.release()
        raise NoCluster(
            "this sandbox has no cluster yet: `gitops-tui up` starts one "
            "(or name one with --cluster embedded|kind|context:NAME)"
        )
    return _serve(got, spec, command, kind_config, cluster_options, progress)


def take_down(
    state_dir: Path,
    cluster: str | None,
    *,
    kind_config: Path | None = None,
    progress: Progress | None = None,
) -> str:
    """``down``: stop a running ``up`` (SIGTERM), then delete the cluster; says what was done."""
    say = progress or _quiet
    lock = ServingLock(state_dir)
    record = read_record(state_dir)
    if not lock.try_acquire():
        if record is None or record.command != UP:
            raise SessionError(
                "another gitops-tui command is using this sandbox's cluster: try again when it "
                "has finished"
            )
        say(f"Stopping the running `gitops-tui up` (pid {record.pid})...")
        _terminate(record.pid)
        deadline = time.monotonic() + DOWN_TIMEOUT
        while not lock.try_acquire():
            if time.monotonic() >= deadline:
                raise SessionError(
                    f"`gitops-tui up` (pid {record.pid}) did not stop within {DOWN_TIMEOUT:g}s"
                )
            time.sleep(0.05)
    try:
        spec = cluster or (record.cluster if record else None)
        if spec is None:
            return "This sandbox has no cluster: nothing to take down."
        provider = _provider(spec, state_dir, kind_config, None)
        try:
            provider.delete()
        except ProviderError as exc:
            raise SessionError(str(exc)) from exc
        forget(state_dir)
        if spec.startswith("context:"):
            return (
                f"Left kubeconfig context {spec.removeprefix('context:')!r} alone: gitops-tui "
                "did not create that cluster and deletes nothing there."
            )
        if spec == "kind":
            return f"Deleted the kind cluster {CLUSTER_NAME!r}."
        return "Deleted the embedded cluster and its objects."
    finally:
        lock.release()


def _serve(
    lock: ServingLock,
    spec: str,
    command: str,
    kind_config: Path | None,
    cluster_options: ClusterOptions | None,
    progress: Progress | None,
) -> ClusterConnection:
    say = progress or _quiet
    provider: Provider | None = None
    try:
        provider = _provider(spec, lock.state_dir, kind_config, cluster_options)
        if command == UP:
            say(provider.reason)
        else:
            say(
                f"No `gitops-tui up` is running: using the {provider.name} cluster "
                "for this command."
            )
        record = ServingRecord(os.getpid(), command, provider.name, provider.describe())
        lock.publish(record)
        cluster = _started(provider, say)
        if command == UP:
            say(f"Cluster: {cluster.description}")
        lock.publish(
            ServingRecord(
                record.pid,
                command,
                provider.name,
                cluster.description,
                str(cluster.kubeconfig),
                cluster.context,
                cluster.server,
                ready=True,
            )
        )
        client = ClusterClient.from_kubeconfig(cluster.kubeconfig, cluster.context)
    except (ProviderError, ClusterError) as exc:
        _abandon(provider, lock)
        raise SessionError(str(exc)) from exc
    except BaseException:
        _abandon(provider, lock)
        raise
    info = ProviderInfo(
        provider.name,
        cluster.description,
        provider.reason,
        cluster.kubeconfig,
        cluster.context,
        cluster.server,
    )
    return ClusterConnection(info, client, provider=provider, lock=lock)


def _join(record: ServingRecord, cluster: str | None) -> ClusterConnection:
    if cluster is not None and cluster != record.cluster:
        raise SessionError(
            f"the running `gitops-tui up` (pid {record.pid}) serves {record.cluster}, not "
            f"{cluster}: leave out --cluster, or stop that `up` first"
        )
    assert record.kubeconfig is not None
    try:
        client = ClusterClient.from_kubeconfig(record.kubeconfig, record.context)
    except ClusterError as exc:
        raise SessionError(str(exc)) from exc
    info = ProviderInfo(
        record.cluster,
        record.description,
        f"joined the running `gitops-tui up` (pid {record.pid})",
        Path(record.kubeconfig),
        client.context,
        record.server or client.server,
    )
    return ClusterConnection(info, client)


def _provider(
    spec: str, state_dir: Path, kind_config: Path | None, cluster_options: ClusterOptions | None
) -> Provider:
    provider = resolve_provider(spec, state_dir, kind_config=kind_config)
    if isinstance(provider, EmbeddedProvider) and cluster_options is not None:
        return EmbeddedProvider(state_dir, options=cluster_options, reason=provider.reason)
    return provider


def _started(provider: Provider, say: Progress) -> ClusterInfo:
    """``provider.start()``, saying every :data:`PROGRESS_EVERY` seconds that it still runs."""
    if isinstance(provider, KindProvider):
        say(
            f"Starting the kind cluster {CLUSTER_NAME!r} (the first time, kind creates it and "
            "pulls its node image: a minute or more)..."
        )
    began = time.monotonic()
    done = threading.Event()

    def tick() -> None:
        while not done.wait(PROGRESS_EVERY):
            say(f"  still starting the {provider.name} cluster ({time.monotonic() - began:.0f}s)")

    ticker = threading.Thread(target=tick, name="cluster-start-progress", daemon=True)
    ticker.start()
    try:
        return provider.start()
    finally:
        done.set()
        ticker.join()


def _abandon(provider: Provider | None, lock: ServingLock) -> None:
    try:
        if provider is not None:
            provider.stop()
    finally:
        lock.release()


def _last_cluster(state_dir: Path) -> str | None:
    record = read_record(state_dir)
    return record.cluster if record else None


def _terminate(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it stopped by itself meanwhile
        os.kill(pid, signal.SIGTERM)


def _waiting_for(progress: Progress | None) -> Callable[[ServingRecord | None], None]:
    say = progress or _quiet

    def waiting(record: ServingRecord | None) -> None:
        if record is not None and record.command == UP:
            say(f"Waiting for `gitops-tui up` (pid {record.pid}) to finish starting its cluster...")
        else:
            say("Waiting for another gitops-tui command to finish with the cluster...")

    return waiting


def _quiet(message: str) -> None:
    """Progress nobody asked to see."""
