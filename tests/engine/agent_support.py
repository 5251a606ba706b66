"""Helpers for the agent's tests: a sandbox repository driven with plain ``git`` as a person
would from another terminal, an event log to await events with deadlines, and a running agent.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from gitops_tui.cluster.client import ClusterClient
from gitops_tui.engine.agent import Agent, AgentOptions, AgentSnapshot
from gitops_tui.model import (
    AgentEvent,
    ResourceKey,
    ResourceState,
    SyncFinished,
    SyncStarted,
    SyncStatus,
)

E = TypeVar("E", bound=AgentEvent)

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Grace Hopper",
    "GIT_AUTHOR_EMAIL": "grace@example.test",
    "GIT_COMMITTER_NAME": "Grace Hopper",
    "GIT_COMMITTER_EMAIL": "grace@example.test",
}


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
        timeout=30,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


class GitRepo:
    """A bare repository (what the agent reads) and a clone pushed to with plain ``git``."""

    def __init__(self, root: Path, branch: str = "main") -> None:
        self.branch = branch
        self.bare = root / "repo.git"
        self.work = root / "work"
        root.mkdir(parents=True, exist_ok=True)
        git(root, "init", "--quiet", "--bare", "-b", branch, str(self.bare))
        git(root, "clone", "--quiet", str(self.bare), str(self.work))
        git(self.work, "checkout", "--quiet", "-b", branch)

    def push(self, message: str, files: dict[str, str | None]) -> str:
        """Write (or, for ``None``, delete) files, commit and push; the new commit's sha."""
        for path, text in files.items():
            target = self.work / path
            if text is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
        git(self.work, "add", "--all")
        git(self.work, "commit", "--quiet", "--allow-empty", "-m", message)
        git(self.work, "push", "--quiet", "origin", f"HEAD:{self.branch}")
        return git(self.work, "rev-parse", "HEAD")


class Events:
    """Every event the agent reported, in order; wait for one with a deadline."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.items: list[AgentEvent] = []

    def __call__(self, event: AgentEvent) -> None:
        with self._cond:
            self.items.append(event)
            self._cond.notify_all()

    def mark(self) -> int:
        with self._cond:
            return len(self.items)

    def since(self, mark: int) -> list[AgentEvent]:
        with self._cond:
            return self.items[mark:]

    def wait(
        self,
        kind: type[E],
        where: Callable[[E], bool] = lambda _: True,
        after: int = 0,
        timeout: float = 15.0,
    ) -> E:
        """The first ``kind`` event from index ``after`` on that satisfies ``where``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.items[after:]:
                    if isinstance(event, kind) and where(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    names = [type(e).__name__ for e in self.items[after:]]
                    raise AssertionError(f"no {kind.__name__} within {timeout}s; saw {names}")
                self._cond.wait(remaining)


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll ``predicate`` until it returns something truthy (for state without an event)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


def synced(events: Events, revision: str, after: int = 0, timeout: float = 15.0) -> SyncFinished:
    """Wait for a full sync (not a heal) of ``revision`` to finish, and check it succeeded."""
    started = events.wait(
        SyncStarted,
        lambda e: e.revision == revision and e.reason != "heal",
        after=after,
        timeout=timeout,
    )
    finished = events.wait(
        SyncFinished,
        lambda e: e.revision == revision,
        after=events.items.index(started),
        timeout=timeout,
    )
    assert finished.ok, [r for r in finished.results if not r.ok]
    return finished


def state(snapshot: AgentSnapshot, key: ResourceKey) -> ResourceState:
    for resource in snapshot.resources:
        if resource.key == key:
            return resource
    known = [str(r.key) for r in snapshot.resources]
    raise AssertionError(f"{key} is not in the snapshot: {known}")


def not_synced(snapshot: AgentSnapshot) -> list[tuple[str, str, tuple[Any, ...]]]:
    """Managed resources that are not Synced, with their drift (empty when all are)."""
    return [
        (str(r.key), r.sync.value, tuple((d.path, d.desired, d.live) for d in r.drift))
        for r in snapshot.resources
        if r.sync is not None and r.sync is not SyncStatus.SYNCED
    ]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@contextmanager
def running_agent(
    kubeconfig: Path,
    repo: GitRepo,
    options: AgentOptions | None = None,
    before_each: Callable[[AgentEvent], None] | None = None,
) -> Iterator[tuple[Agent, Events, ClusterClient]]:
    """A started agent whose events are logged (after ``before_each`` has seen each)."""
    events = Events()

    def listen(event: AgentEvent) -> None:
        if before_each is not None:
            before_each(event)
        events(event)

    client = ClusterClient.from_kubeconfig(kubeconfig)
    agent = Agent(client, repo.bare, repo.branch, options or AgentOptions(), listen)
    agent.start()
    try:
        yield agent, events, client
    finally:
        agent.stop()
        client.close()


def config_map(name: str, namespace: str, data: dict[str, str]) -> str:
    lines = [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        f"  name: {name}",
        f"  namespace: {namespace}",
        "data:",
    ]
    lines += [f"  {key}: {value!r}" for key, value in data.items()] or ["  {}"]
    return "\n".join(lines) + "\n"


def namespace(name: str) -> str:
    return f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n"


def deployment(name: str, namespace: str, replicas: int = 2, image: str = "nginx:1.27") -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
        - name: web
          image: {image}
          resources:
            requests:
              cpu: "0.1"
              memory: 64Mi
"""
