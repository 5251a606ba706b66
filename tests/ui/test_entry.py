"""``gitops-tui`` with no arguments, in a real terminal (a pseudo-terminal): it seeds an empty
directory with the example app, starts the embedded cluster, opens the app, shows the example
app synced, and quits on ``q`` leaving Git and the cluster's state behind."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from tests.cli_process import isolated_env

_ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b[()][A-Za-z0-9]|\x1b[=>]")


class Terminal:
    """A process on a pseudo-terminal of a given size, and what it has drawn so far."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], size: tuple[int, int]):
        self.master, slave = os.openpty()
        columns, lines = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.process = subprocess.Popen(
            args, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True
        )
        os.close(slave)
        self.screen = b""

    def text(self) -> str:
        return _ESCAPES.sub(b"", self.screen).decode("utf-8", "replace")

    def wait_for(self, needle: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                raise AssertionError(
                    f"{needle!r} never appeared; the terminal showed:\n{self.text()[-3000:]}"
                )
            ready, _, _ = select.select([self.master], [], [], min(remaining, 0.5))
            if ready:
                try:
                    self.screen += os.read(self.master, 65536)
                except OSError:  # the process ended and closed the terminal
                    continue

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def finish(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.screen += os.read(self.master, 65536)
                except OSError:
                    break
        try:
            code = self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise AssertionError(
                f"still running after {timeout}s:\n{self.text()[-3000:]}"
            ) from None
        os.close(self.master)
        return code


def test_the_bare_command_opens_the_app_on_the_example_app(tmp_path: Path) -> None:
    env = {**isolated_env(tmp_path / "home"), "TERM": "xterm-256color", "COLUMNS": "120"}
    shop = tmp_path / "my-shop"
    shop.mkdir()
    terminal = Terminal([sys.executable, "-m", "gitops_tui"], shop, env, (120, 36))
    try:
        terminal.wait_for("Desired · Git")
        terminal.wait_for("✓12 Synced")
        terminal.type("q")
        assert terminal.finish() == 0
    finally:
        if terminal.process.poll() is None:
            os.killpg(terminal.process.pid, signal.SIGKILL)
    assert (shop / "base" / "kustomization.yaml").is_file()
    assert "Git and the cluster keep the state" in terminal.text()
