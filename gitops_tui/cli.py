"""Command line entry points of ``gitops-tui``.

Each subcommand parses its arguments here and calls into the library, so everything the CLI
does is also available to the app and the tests. Exit codes: 0 success, 1 failure the user can
fix (reported in one clear line), 2 usage errors (argparse's convention).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from gitops_tui import __version__


def _serve(args: argparse.Namespace) -> int:
    from gitops_tui.cluster.embedded.cluster import EmbeddedCluster
    from gitops_tui.cluster.embedded.schema import KUBERNETES_VERSION

    started = time.perf_counter()
    state_dir = Path(args.state_dir).expanduser().resolve() if args.state_dir else None
    cluster = EmbeddedCluster(state_dir=state_dir, port=args.port)
    try:
        cluster.start()
    except OSError as exc:
        print(f"gitops-tui: cannot start the embedded cluster: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    elapsed = time.perf_counter() - started
    print(f"kubeconfig: {cluster.kubeconfig_path}")
    print(f"  export KUBECONFIG={cluster.kubeconfig_path}")
    if state_dir is None:
        print("  (no --state-dir: objects are discarded when the cluster stops)")
    print(
        f"Embedded cluster ready at {cluster.url} (Kubernetes v{KUBERNETES_VERSION} API) "
        f"in {elapsed:.2f}s. Press Ctrl-C to stop.",
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        cluster.stop()
        print("Embedded cluster stopped.", flush=True)
    return 0


def build_parser(with_sandbox_commands: bool = True) -> argparse.ArgumentParser:
    """The whole command line; ``cluster ...`` alone skips importing the sandbox commands
    (the engine, GitPython, the kubernetes client), so `cluster serve` is ready in well under
    a second."""
    parser = argparse.ArgumentParser(
        prog="gitops-tui",
        description="Learn, practise and check GitOps on your own machine.",
    )
    parser.add_argument("--version", action="version", version=f"gitops-tui {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    cluster = commands.add_parser("cluster", help="run and manage the embedded cluster")
    cluster_commands = cluster.add_subparsers(dest="cluster_command", metavar="COMMAND")
    cluster_commands.required = True
    serve = cluster_commands.add_parser(
        "serve",
        help="run the embedded Kubernetes-API-compatible cluster in the foreground",
        description="Run the embedded cluster on 127.0.0.1 until Ctrl-C or SIGTERM. "
        "It writes a kubeconfig (mode 0600) that kubectl and any Kubernetes client can use.",
    )
    serve.add_argument("--port", type=int, default=0, help="port to listen on (default: any free)")
    serve.add_argument(
        "--state-dir",
        metavar="DIR",
        help="keep objects, token and kubeconfig here across restarts (default: a temporary "
        "directory removed on exit)",
    )
    serve.set_defaults(handler=_serve)
    if not with_sandbox_commands:
        return parser
    from gitops_tui.commands import agent, check, drift, kubectl, workspace

    workspace.register(commands)
    check.register(commands)
    agent.register(commands)
    drift.register(commands)
    kubectl.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(with_sandbox_commands=arguments[:1] != ["cluster"])
    args = parser.parse_args(arguments)
    handler = getattr(args, "handler", None)
    if handler is None:
        # The bare command is `up` on the current directory: the app on a terminal.
        args = parser.parse_args(["up"])
        handler = args.handler
    result: int = handler(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
