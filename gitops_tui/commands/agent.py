"""``gitops-tui up | down | sync | diff``: the GitOps loop from a terminal.

``up`` runs the agent until Ctrl-C or SIGTERM, printing every event (as JSON lines with
``--json``, for scripts and CI); ``sync`` and ``diff`` ask the agent one question each and work
with or without a running ``up`` (see :mod:`gitops_tui.engine.connection`). The agent calls
back from its own threads, and must never wait on a terminal, so events go through a queue
that the main thread prints from.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TextIO

from gitops_tui.cluster.client import ClusterError
from gitops_tui.cluster.embedded.options import ClusterOptions
from gitops_tui.commands.output import (
    drift_line,
    event_json,
    event_line,
    result_line,
    short,
)
from gitops_tui.engine.agent import AgentOptions
from gitops_tui.engine.connection import SessionError, take_down
from gitops_tui.engine.session import Session
from gitops_tui.model import AgentEvent, Ready, RevisionRejected, SyncStatus
from gitops_tui.workspace import Workspace, WorkspaceError

_Handler = Callable[[argparse.Namespace], int]

CLUSTER_HELP = "auto (default for up), embedded, kind or context:NAME"
#: Set to 1 to run the embedded cluster with short simulated delays (Pods Ready in 50 ms):
#: for tests and benchmarks, which would otherwise wait for the realistic one second.
FAST_CLUSTER_ENV = "GITOPS_TUI_FAST_CLUSTER"
FAST_CLUSTER = ClusterOptions(pod_ready_seconds=0.05, job_run_seconds=0.05, bookmark_interval=0.5)
#: The exit status ``diff --exit-code`` uses when something is out of sync (as ``git diff``).
DIFFERENCES = 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``up``, ``down``, ``sync`` and ``diff``; each sets ``handler(args) -> exit code``."""
    up = subparsers.add_parser(
        "up",
        help="start the cluster and the agent, and keep the cluster in sync with Git",
        description="Make PATH a sandbox if needed, start the cluster and run the agent until "
        "Ctrl-C or SIGTERM: every commit pushed to the sandbox is applied, and every change "
        "made to the cluster by anyone else is detected and undone.",
    )
    where(up)
    up.add_argument("--cluster", default="auto", metavar="CLUSTER", help=CLUSTER_HELP)
    up.add_argument("--headless", action="store_true", help="print events instead of the app")
    up.add_argument(
        "--json", action="store_true", help="print one JSON object per event (implies --headless)"
    )
    up.add_argument("--no-self-heal", action="store_true", help="report drift, do not undo it")
    up.add_argument(
        "--no-auto-sync", action="store_true", help="apply new commits and drift only on `sync`"
    )
    up.add_argument("--no-prune", action="store_true", help="never delete objects Git dropped")
    up.set_defaults(handler=reporting(_up))

    down = subparsers.add_parser(
        "down",
        help="stop a running `up` and delete the cluster it created",
        description="Stop a running `gitops-tui up` and delete the cluster: the embedded "
        "cluster's objects, or the kind cluster. A kubeconfig context is left alone. The "
        "working tree and the sandbox repository are kept.",
    )
    where(down)
    down.add_argument("--cluster", metavar="CLUSTER", help="default: the one `up` used last")
    down.set_defaults(handler=reporting(_down))

    sync = subparsers.add_parser(
        "sync",
        help="apply the sandbox's latest commit now",
        description="Apply the sandbox's latest commit to the cluster now and print what "
        "happened to each resource. Works whether or not `gitops-tui up` runs.",
    )
    where(sync)
    attach_options(sync)
    sync.add_argument("--no-prune", action="store_true", help="keep objects Git dropped")
    sync.set_defaults(handler=reporting(_sync))

    diff = subparsers.add_parser(
        "diff",
        help="show how the cluster differs from the sandbox's latest commit",
        description="Compare the sandbox's latest commit with the live cluster, field by "
        "field, and say who changed each field. Changes nothing.",
    )
    where(diff)
    attach_options(diff)
    diff.add_argument(
        "--exit-code",
        action="store_true",
        help=f"exit with {DIFFERENCES} when anything is out of sync (as `git diff`)",
    )
    diff.set_defaults(handler=reporting(_diff))


def where(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", metavar="PATH", help="the working tree (.)")
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        type=Path,
        help="where the sandbox keeps its repository and cluster (default: "
        "$GITOPS_TUI_STATE_DIR, else under $XDG_STATE_HOME/gitops-tui/)",
    )


def attach_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cluster",
        metavar="CLUSTER",
        help="when no `up` runs: the cluster to use (default: the one `up` used last)",
    )


def reporting(handler: _Handler) -> _Handler:
    """Refusals the user can act on as one line on stderr and exit code 1, never a traceback."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (SessionError, WorkspaceError, ClusterError, OSError) as exc:
            print(f"gitops-tui: {exc}", file=sys.stderr)
            return 1

    return run


def cluster_options() -> ClusterOptions | None:
    return FAST_CLUSTER if os.environ.get(FAST_CLUSTER_ENV) == "1" else None


def progress_to(stream: TextIO) -> Callable[[str], None]:
    def say(message: str) -> None:
        print(message, file=stream, flush=True)

    return say


@contextmanager
def attached(args: argparse.Namespace, command: str, options: AgentOptions) -> Iterator[Session]:
    """A session for a one-shot command, closed (and its cluster stopped) afterwards."""
    session = Session.attach(
        Path(args.path),
        args.cluster,
        options,
        state_dir=args.state_dir,
        progress=progress_to(sys.stderr),
        command=command,
        cluster_options=cluster_options(),
    )
    try:
        yield session
    finally:
        session.close()


class _Printer:
    """Events queued from agent threads, printed by the main thread."""

    def __init__(self, as_json: bool, stream: TextIO) -> None:
        self._json = as_json
        self._stream = stream
        self._queue: queue.SimpleQueue[AgentEvent] = queue.SimpleQueue()

    def put(self, event: AgentEvent) -> None:
        self._queue.put(event)

    def drain(self, timeout: float) -> None:
        """Print what is queued, waiting up to ``timeout`` seconds for the first event."""
        try:
            event = self._queue.get(timeout=timeout)
        except queue.Empty:
            return
        while True:
            self._print(event)
            try:
                event = self._queue.get_nowait()
            except queue.Empty:
                self._stream.flush()
                return

    def _print(self, event: AgentEvent) -> None:
        if self._json:
            line = json.dumps(event_json(event), default=str, separators=(",", ":"))
        else:
            line = event_line(event)
        print(line, file=self._stream)


def _up(args: argparse.Namespace) -> int:
    options = AgentOptions(
        auto_sync=not args.no_auto_sync, self_heal=not args.no_self_heal, prune=not args.no_prune
    )
    headless = args.headless or args.json
    if not headless and sys.stdin.isatty() and sys.stdout.isatty():
        # The app (and textual) is loaded only when asked for: headless runs never import it.
        from gitops_tui.ui.run import run_tui

        return run_tui(Path(args.path), args.cluster, options, args.state_dir, cluster_options())
    stopping = _Stopping()
    previous = {sig: signal.signal(sig, stopping.signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return _run_headless(args, options, headless, stopping)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _Interrupted(Exception):
    """Ctrl-C or SIGTERM while the sandbox and its cluster were still being started."""


class _Stopping:
    """SIGINT and SIGTERM: interrupt the start-up (which may take minutes for kind), or end the
    event loop once running, so the agent and the cluster are always stopped in order."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.starting = True

    def signal(self, signum: int, frame: FrameType | None) -> None:
        self.requested.set()
        if self.starting:
            self.starting = False
            raise _Interrupted


def _run_headless(
    args: argparse.Namespace, options: AgentOptions, asked: bool, stopping: _Stopping
) -> int:
    # With --json, stdout carries events only; everything else goes to stderr.
    say = progress_to(sys.stderr if args.json else sys.stdout)
    if not asked:
        say("Not a terminal: running headless (say --headless to run so anywhere).")
    printer = _Printer(args.json, sys.stdout)
    session: Session | None = None
    try:
        session = Session.open(
            Path(args.path),
            args.cluster,
            options,
            printer.put,
            args.state_dir,
            say,
            cluster_options=cluster_options(),
        )
        stopping.starting = False
    except _Interrupted:
        if session is not None:  # the signal came just after the start-up finished
            session.close()
        say("Interrupted while starting: nothing was left running.")
        return 0
    try:
        info = session.provider_info
        head = session.workspace.deployed_revision()
        printer.put(Ready(time.time(), info.name, info.server, head))
        session.agent.start()
        say(f"kubectl: export KUBECONFIG={info.kubeconfig}  (or `gitops-tui kubectl ...`)")
        while not stopping.requested.is_set():
            printer.drain(timeout=0.1)
    finally:
        session.close()
        printer.drain(timeout=0)
        say(f"Stopped. Git and the cluster keep the state ({session.workspace.state_dir}).")
    return 0


def _down(args: argparse.Namespace) -> int:
    workspace = Workspace.open(args.path, args.state_dir)
    message = take_down(
        workspace.state_dir,
        args.cluster,
        kind_config=workspace.path / "kind-config.yaml",
        progress=progress_to(sys.stdout),
    )
    print(message)
    return 0


def _sync(args: argparse.Namespace) -> int:
    with attached(args, "sync", AgentOptions(prune=not args.no_prune)) as session:
        record = session.agent.sync_once("manual")
        rejected = session.agent.snapshot().rejected
    if rejected is not None and not record.results:
        _print_rejected(rejected)
        return 1
    print(
        f"{'Synced' if record.ok else 'Sync FAILED for'} {short(record.revision)} "
        f"in {record.duration_ms:.0f} ms:"
    )
    for result in record.results:
        print(result_line(result))
    return 0 if record.ok else 1


def _print_rejected(rejected: RevisionRejected) -> None:
    print(
        f"gitops-tui: revision {short(rejected.revision)} cannot be applied (nothing was):",
        file=sys.stderr,
    )
    for reason in rejected.reasons:
        print(f"  {reason}", file=sys.stderr)


def _diff(args: argparse.Namespace) -> int:
    with attached(args, "diff", AgentOptions()) as session:
        snapshot = session.agent.refresh()
    if snapshot.rejected is not None:
        _print_rejected(snapshot.rejected)
    different = [
        s for s in snapshot.resources if s.sync is not None and s.sync is not SyncStatus.SYNCED
    ]
    print(f"Revision {short(snapshot.head)} against the live cluster:")
    if not different:
        print("  everything is in sync.")
    for state in different:
        print(f"  {state.sync.value if state.sync else ''}  {state.key}")
        for drift in state.drift:
            print(f"      {drift_line(drift)}")
    return DIFFERENCES if args.exit_code and different else 0
