"""`gitops-tui cluster serve` as a user runs it: ready line, kubeconfig, clean stop on signals."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_kubeconfig_and_ready_line_and_stops_cleanly(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitops_tui", "cluster", "serve", "--state-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "ready at" in line:
            break
    kubeconfig = tmp_path / "kubeconfig"
    assert lines[0].strip() == f"kubeconfig: {kubeconfig}"
    assert "Embedded cluster ready at https://127.0.0.1:" in lines[-1]
    assert kubeconfig.stat().st_mode & 0o777 == 0o600
    server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
    assert server.startswith("https://127.0.0.1:")

    proc.send_signal(stop_signal)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "Embedded cluster stopped." in out
    assert "Traceback" not in err


def test_serve_reports_a_busy_port_in_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "gitops_tui",
                "cluster",
                "serve",
                "--port",
                str(port),
                "--state-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert result.stderr.startswith("gitops-tui: cannot start the embedded cluster:")
    assert "Traceback" not in result.stderr
