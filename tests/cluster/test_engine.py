"""Docker engine detection: the real SDK against a socket that is not there, and doubles."""

from __future__ import annotations

from pathlib import Path

import pytest
from docker.errors import DockerException

from gitops_tui.cluster.providers.engine import docker_engine_status
from tests.cluster.doubles import FakeDockerEngine


def test_real_sdk_reports_a_missing_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'docker.sock'}")
    status = docker_engine_status()
    assert not status.available
    assert status.detail  # the SDK's own words, on one line
    assert "\n" not in status.detail


def test_an_answering_engine_is_available_and_closed() -> None:
    engine = FakeDockerEngine(answers=True)
    status = docker_engine_status(lambda: engine)
    assert status.available
    assert engine.closed


def test_an_engine_failing_the_ping_is_unavailable() -> None:
    engine = FakeDockerEngine(answers=False)
    status = docker_engine_status(lambda: engine)
    assert not status.available
    assert "Connection refused" in status.detail
    assert engine.closed


def test_a_client_that_cannot_connect_is_unavailable() -> None:
    def connect() -> FakeDockerEngine:
        raise DockerException("no socket")

    assert docker_engine_status(connect).detail == "no socket"
