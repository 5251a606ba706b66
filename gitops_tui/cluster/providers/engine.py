"""Is a Docker engine answering? Asked through the docker SDK, never by parsing ``docker`` output.

kind needs a running engine, and ``--cluster auto`` picks kind only when one answers, so the
check has to be quick, never raise, and say why not in words a user can act on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import docker
from docker.errors import DockerException

#: Seconds to wait for the engine; a healthy local engine answers in milliseconds.
ENGINE_TIMEOUT = 5

WITHOUT_DOCKER_HINT = (
    "Install and start Docker (Docker Desktop on macOS and Windows, Docker Engine on Linux; "
    "the current user must be allowed to use it), or run without Docker: --cluster embedded."
)


class DockerEngine(Protocol):
    """The part of ``docker.DockerClient`` this check uses."""

    def ping(self) -> bool: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class EngineStatus:
    available: bool
    #: Why not (the SDK's error), or that it answered.
    detail: str


def _connect() -> DockerEngine:
    client: DockerEngine = docker.from_env(timeout=ENGINE_TIMEOUT)
    return client


def docker_engine_status(connect: Callable[[], DockerEngine] = _connect) -> EngineStatus:
    """Ask the engine named by the environment (``DOCKER_HOST``, else the default socket)."""
    try:
        engine = connect()
    except (DockerException, OSError) as exc:
        return EngineStatus(False, _one_line(exc))
    try:
        if engine.ping():
            return EngineStatus(True, "the Docker engine answered")
        return EngineStatus(False, "the Docker engine did not answer the ping")
    except (DockerException, OSError) as exc:
        return EngineStatus(False, _one_line(exc))
    finally:
        engine.close()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
