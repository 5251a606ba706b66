"""``gitops-tui`` / ``gitops-tui up``: the app on a sandbox, with its cluster and agent.

The session (sandbox, cluster, agent) is opened inside the app by a worker, so the screen is up
at once and says what is being started; it is closed here once the app has exited, after the
terminal is restored, because stopping a cluster can take a moment.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gitops_tui.cluster.embedded.options import ClusterOptions
from gitops_tui.engine.agent import AgentOptions
from gitops_tui.engine.connection import Progress
from gitops_tui.engine.session import Session
from gitops_tui.ui.app import EventSink, GitOpsApp


def run_tui(
    path: Path,
    cluster: str = "auto",
    options: AgentOptions | None = None,
    state_dir: Path | None = None,
    cluster_options: ClusterOptions | None = None,
) -> int:
    """Run the app until the user quits; the exit status (1 when the session could not open)."""

    def open_session(on_event: EventSink, progress: Progress) -> Session:
        return Session.open(
            path,
            cluster,
            options,
            on_event,
            state_dir,
            progress,
            cluster_options=cluster_options,
        )

    app = GitOpsApp(open_session)
    try:
        app.run()
    finally:
        app.stop_watching()
        if app.session is not None:
            print("Stopping the agent and the cluster…", file=sys.stderr, flush=True)
            app.session.close()
    if app.failure is not None:
        print(f"gitops-tui: {app.failure}", file=sys.stderr)
        return 1
    if app.session is not None:
        print(f"Git and the cluster keep the state ({app.session.workspace.state_dir}).")
    return 0
