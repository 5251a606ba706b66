"""The app: owns the session and its workers, and turns what they report into the main view.

Three sources feed the screen, none of them on the event loop:

* the agent calls back from its own threads; each event is posted as :class:`AgentReported`,
  recorded in the timeline, and marks the view stale;
* the working tree is watched by a thread (``watch`` group) and compared with HEAD by an
  exclusive ``preview`` worker, so only the newest comparison is shown;
* commits, reverts and simulated edits run in the ``git``, ``sync`` and ``simulate`` groups and
  post a past-tense message when done.

A timer redraws the stale view at most ten times a second from the agent's snapshot, so a burst
of watch events during a large sync costs ten repaints a second, not one per event.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import ClassVar

from textual import on, work
from textual.app import App, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.worker import get_current_worker

from gitops_tui.cluster.client import ClusterError
from gitops_tui.commands.kubectl import run_kubectl
from gitops_tui.engine.connection import Progress, SessionError
from gitops_tui.engine.session import Session
from gitops_tui.engine.simulate import SimulationError
from gitops_tui.manifests.loader import Manifest
from gitops_tui.manifests.watch import DesiredState, ManifestWatcher
from gitops_tui.model import AgentEvent, Ready, ResourceState, RevisionRejected, Toggle
from gitops_tui.ui.commands import GitOpsCommands
from gitops_tui.ui.messages import (
    ActionFailed,
    AgentReported,
    CommitPushed,
    DriftSimulated,
    SessionFailed,
    SessionOpened,
    SessionProgressed,
    WorkingTreeCompared,
    WorkingTreeRead,
)
from gitops_tui.ui.overview import HeaderInfo, header_info
from gitops_tui.ui.preview import Preview, read_preview
from gitops_tui.ui.screens.commit import CommitScreen
from gitops_tui.ui.screens.edit import EditScreen
from gitops_tui.ui.screens.help import HelpScreen
from gitops_tui.ui.screens.history import HistoryScreen
from gitops_tui.ui.screens.main import MainScreen
from gitops_tui.ui.screens.worktree import WorkingTreeScreen
from gitops_tui.ui.simulation import KUBECTL_EDIT, Simulation, kubectl_edit_args, perform
from gitops_tui.ui.timeline import Timeline, short
from gitops_tui.ui.view import View
from gitops_tui.ui.widgets.diagnostics import finding_line
from gitops_tui.ui.widgets.grid import WIDE
from gitops_tui.ui.widgets.header import Clock
from gitops_tui.workspace import WorkspaceError

#: Seconds between redraws of a stale view: at most ten repaints a second.
REFRESH_INTERVAL = 0.1

EventSink = Callable[[AgentEvent], None]
SessionFactory = Callable[[EventSink, Progress], Session]


def local_clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


class GitOpsApp(App[int]):
    """``open_session`` is called in a worker with the callback the agent must report to and
    one for progress sentences ("starting the embedded cluster")."""

    CSS_PATH = "app.tcss"
    TITLE = "gitops-tui"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {GitOpsCommands}
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+c", "quit", "Quit", show=False)]

    def __init__(
        self,
        open_session: SessionFactory | None,
        *,
        clock: Clock = local_clock,
        watch_working_tree: bool = True,
    ) -> None:
        super().__init__()
        self._open_session = open_session
        self._clock = clock
        self._watch_working_tree = watch_working_tree
        self.session: Session | None = None
        self.preview: Preview | None = None
        self.timeline = Timeline()
        self._tree: DesiredState | None = None
        self._head_cache: dict[str, tuple[Manifest, ...]] = {}
        self._stop = threading.Event()
        self._stale = False
        self._status = "starting the cluster…"
        self.failure: str | None = None
        self._rejected: RevisionRejected | None = None
        self.main = MainScreen(clock)

    def on_mount(self) -> None:
        self.push_screen(self.main)
        self.set_interval(REFRESH_INTERVAL, self._redraw_if_stale)
        if self._open_session is not None:
            self._start_session(self._open_session)

    def on_unmount(self) -> None:
        self.stop_watching()

    def stop_watching(self) -> None:
        """End the working-tree watcher thread (the app calls it on exit)."""
        self._stop.set()

    @work(thread=True, group="session", exclusive=True)
    def _start_session(self, open_session: SessionFactory) -> None:
        try:
            session = open_session(self._relay, self._progress)
        except (SessionError, WorkspaceError, ClusterError, OSError) as exc:
            self.post_message(SessionFailed(str(exc)))
            return
        if self._stop.is_set():  # the user quit while the cluster was starting
            session.close()
            return
        try:
            session.agent.start()
        except BaseException:
            session.close()
            raise
        self.post_message(SessionOpened(session))

    def _progress(self, text: str) -> None:
        self.post_message(SessionProgressed(text))

    @on(SessionProgressed)
    def _session_progressed(self, message: SessionProgressed) -> None:
        if self.session is None:
            self._status = message.text
            self._stale = True

    def _relay(self, event: AgentEvent) -> None:
        """Called from agent threads: never blocks, only queues a message."""
        self.post_message(AgentReported(event))

    @on(SessionOpened)
    def _session_opened(self, message: SessionOpened) -> None:
        self.session = message.session
        info = message.session.provider_info
        revision = message.session.agent.snapshot().revision
        self.timeline.record(Ready(time.time(), info.name, info.server, revision))
        self._status = ""
        self._stale = True
        if self._watch_working_tree:
            self._watch(message.session)

    @on(SessionFailed)
    def _session_failed(self, message: SessionFailed) -> None:
        self.failure = message.reason
        self._status = "cannot start: see below (q quits)"
        self._stale = True

    @on(AgentReported)
    def _agent_reported(self, message: AgentReported) -> None:
        event = message.event
        self.timeline.record(event)
        if isinstance(event, RevisionRejected):
            self._rejected = event
        self._stale = True

    def _redraw_if_stale(self) -> None:
        if self._stale and self.main.is_mounted and self.main.is_attached:
            self._stale = False
            self.main.show(self.current_view())

    def current_view(self) -> View:
        """What the main screen shows now, from the agent's snapshot (cheap and thread-safe)."""
        problems: list[tuple[str, bool]] = []
        if self.failure is not None:
            problems.append((self.failure, True))
        resources: tuple[ResourceState, ...] = ()
        header = HeaderInfo(status=self._status)
        if self.session is not None:
            snapshot = self.session.agent.snapshot()
            resources = snapshot.resources
            header = header_info(snapshot, self.session.provider_info, self.preview)
            rejected = snapshot.rejected
            if rejected is not None:
                reasons = "; ".join(rejected.reasons)
                problems.append(
                    (f"revision {short(rejected.revision)} not applied: {reasons}", True)
                )
            if not snapshot.reachable:
                problems.append(
                    ("the cluster does not answer: statuses are Unknown until it does", True)
                )
        if self.preview is not None:
            problems.extend((finding_line(f), True) for f in self.preview.errors)
        pending = self.preview.pending if self.preview is not None else {}
        return View(header, resources, pending, self.timeline.entries, tuple(problems))

    @work(thread=True, group="watch")
    def _watch(self, session: Session) -> None:
        watcher = ManifestWatcher(session.workspace.path)
        for state in watcher.states(self._stop):
            if get_current_worker().is_cancelled:
                return
            self.post_message(WorkingTreeRead(state))

    @on(WorkingTreeRead)
    def _tree_read(self, message: WorkingTreeRead) -> None:
        self._tree = message.state
        self.compare_working_tree()

    def compare_working_tree(self) -> None:
        if self.session is not None and self._tree is not None:
            self._compare(self.session, self._tree)

    @work(thread=True, group="preview", exclusive=True)
    def _compare(self, session: Session, state: DesiredState) -> None:
        try:
            preview = read_preview(session.workspace, state, self._head_cache)
        except WorkspaceError as exc:
            self.post_message(ActionFailed("preview", str(exc)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(WorkingTreeCompared(preview))

    @on(WorkingTreeCompared)
    def _tree_compared(self, message: WorkingTreeCompared) -> None:
        self.preview = message.preview
        self._stale = True
        if isinstance(self.screen, WorkingTreeScreen):
            self.screen.show(message.preview)

    def action_sync(self) -> None:
        if self.session is not None:
            self._request_sync(self.session)
            self.notify("Sync requested.", timeout=2)

    @work(thread=True, group="sync", exclusive=True)
    def _request_sync(self, session: Session) -> None:
        session.agent.request_sync("manual")

    def action_flip(self, name: str) -> None:
        if self.session is None:
            return
        toggle = Toggle(name)
        enabled = not self.session.agent.snapshot().toggles.get(toggle, False)
        self._set_toggle(self.session, toggle, enabled)

    @work(thread=True, group="toggle")
    def _set_toggle(self, session: Session, toggle: Toggle, enabled: bool) -> None:
        session.agent.set_toggle(toggle, enabled)

    def action_commit(self) -> None:
        session = self.session
        if session is None:
            return

        def commit(message: str | None) -> None:
            if message:
                self._commit(session, message)

        self.push_screen(CommitScreen(session.workspace), commit)

    @work(thread=True, group="git", exclusive=True)
    def _commit(self, session: Session, message: str) -> None:
        try:
            result = session.workspace.commit(message)
        except WorkspaceError as exc:
            self.post_message(ActionFailed("commit", str(exc)))
            return
        self.post_message(CommitPushed(result, message))

    def action_history(self) -> None:
        session = self.session
        if session is None:
            return

        def revert(sha: str | None) -> None:
            if sha:
                self._revert(session, sha)

        self.push_screen(HistoryScreen(session.workspace), revert)

    @work(thread=True, group="git", exclusive=True)
    def _revert(self, session: Session, sha: str) -> None:
        try:
            result = session.workspace.revert(sha)
        except WorkspaceError as exc:
            self.post_message(ActionFailed("revert", str(exc)))
            return
        self.post_message(CommitPushed(result, f"revert {short(sha)}", reverted=sha))

    @on(CommitPushed)
    def _commit_pushed(self, message: CommitPushed) -> None:
        result = message.result
        what = f"Reverted {short(message.reverted)}" if message.reverted else "Committed"
        sha = short(result.commit) if result.commit else "earlier commits"
        self.notify(f"{what}: {sha} pushed to the sandbox; the agent applies it now.")
        self.compare_working_tree()

    @on(ActionFailed)
    def _action_failed(self, message: ActionFailed) -> None:
        self.notify(message.reason, title=f"{message.action} failed", severity="error", timeout=8)

    def action_simulate(self) -> None:
        row = self.main.selected
        if self.session is None or row is None or row.state is None or row.state.live is None:
            self.notify("Select a resource that exists in the cluster first.", severity="warning")
            return

        def simulate(simulation: Simulation | None) -> None:
            if simulation is None or self.session is None:
                return
            if simulation.action == KUBECTL_EDIT:
                self._kubectl_edit(self.session, simulation)
            else:
                self._simulate(self.session, simulation)

        self.push_screen(EditScreen(row.state), simulate)

    @work(thread=True, group="simulate", exclusive=True)
    def _simulate(self, session: Session, simulation: Simulation) -> None:
        try:
            change = perform(session.client, simulation)
        except SimulationError as exc:
            self.post_message(ActionFailed("edit", str(exc)))
            return
        self.post_message(DriftSimulated(change))

    def _kubectl_edit(self, session: Session, simulation: Simulation) -> None:
        """Hand the terminal to ``kubectl edit`` (``$EDITOR``) and take it back afterwards."""
        args = kubectl_edit_args(simulation.key)
        try:
            with self.suspend():
                code = run_kubectl(session.provider_info, args)
        except (SuspendNotSupported, OSError) as exc:
            self.post_message(ActionFailed("kubectl edit", f"cannot run kubectl edit here: {exc}"))
            return
        if code != 0:
            self.post_message(
                ActionFailed("kubectl edit", f"kubectl edit exited with status {code}")
            )

    @on(DriftSimulated)
    def _drift_simulated(self, message: DriftSimulated) -> None:
        self.notify(f"{message.change.summary}: watch the agent notice it.", timeout=4)

    def action_working_tree(self) -> None:
        self.push_screen(WorkingTreeScreen(self.preview))

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_palette(self) -> None:
        self.action_command_palette()

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"
