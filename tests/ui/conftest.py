"""Fixtures for the app's tests: git isolated from the machine, a sandbox seeded with the example
app, the app on a real session (embedded cluster, real agent, real bare repository), and views
built from the example app's rendered manifests for pixel tests.

Dates and identities are fixed, so commits (and their SHAs) are the same on every run.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.pilot import Pilot

from gitops_tui.cluster.embedded.options import ClusterOptions
from gitops_tui.engine.agent import AgentOptions
from gitops_tui.engine.connection import Progress
from gitops_tui.engine.session import Session
from gitops_tui.ui.app import EventSink, GitOpsApp

FAST = ClusterOptions(pod_ready_seconds=0.05, job_run_seconds=0.05, bookmark_interval=0.5)
#: Every date git records, fixed: the same commits get the same SHAs on every run.
FIXED_DATE = "2025-01-02T03:04:05+00:00"


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Ada Lovelace")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "ada@example.test")
        monkeypatch.setenv(f"GIT_{role}_DATE", FIXED_DATE)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.delenv("GITOPS_TUI_STATE_DIR", raising=False)


def fixed_clock(at: float) -> str:
    return "12:00:00"


class Recorder:
    """Every message the app's widgets process, for assertions on what happened."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def __call__(self, message: Message) -> None:
        self.messages.append(message)

    def of(self, kind: type[Any]) -> list[Any]:
        return [m for m in self.messages if isinstance(m, kind)]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., GitOpsApp]]:
    """Apps on a real session over the sandbox ``tmp_path/app`` (seeded with the example app)."""
    apps: list[GitOpsApp] = []

    def make(options: AgentOptions | None = None, cluster: str = "embedded") -> GitOpsApp:
        def open_session(on_event: EventSink, progress: Progress) -> Session:
            return Session.open(
                tmp_path / "app",
                cluster,
                options or AgentOptions(poll_interval=0.5),
                on_event,
                tmp_path / "state",
                progress,
                cluster_options=FAST,
            )

        app = GitOpsApp(open_session, clock=fixed_clock)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.stop_watching()
        if app.session is not None:
            app.session.close()


async def until(
    pilot: Pilot[Any], condition: Callable[[], Any], what: str, timeout: float = 30
) -> Any:
    """Let the app run until ``condition`` holds (polled with a deadline, never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.02)


def screen_text(app: GitOpsApp) -> str:
    """The text on the screen now, line by line, as a person would read it."""
    svg = app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = {}
    for match in _SVG_TEXT.finditer(svg):
        x, y, text = float(match[1]), float(match[2]), html.unescape(match[3])
        rows.setdefault(y, []).append((x, text.replace("\xa0", " ")))
    lines = []
    for y in sorted(rows):
        line = [" "] * 400
        for x, text in rows[y]:
            column = round(x / _CELL_WIDTH)
            line[column : column + len(text)] = text
        lines.append("".join(line).rstrip())
    return "\n".join(lines)


_SVG_TEXT = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>')
_CELL_WIDTH = 12.2
