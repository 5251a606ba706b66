"""A running sandbox: its workspace, its cluster, and the agent between them.

``up`` and the app need the same three things wired the same way (the working tree made a
sandbox, the cluster ``--cluster`` names started, a client on its kubeconfig, an agent on the
sandbox's bare repository), and every other command needs them too, joined to a running ``up``
when there is one. :class:`Session` is that wiring and nothing else: the agent is built, not
started, so the caller decides whether it runs the loop (``up``, the app) or asks one question
(``status``, ``sync``, ``diff``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gitops_tui.cluster.client import ClusterClient
from gitops_tui.cluster.embedded.options import ClusterOptions
from gitops_tui.engine.agent import Agent, AgentOptions
from gitops_tui.engine.connection import (
    ClusterConnection,
    Progress,
    ProviderInfo,
    SessionError,
    connect,
    start_serving,
)
from gitops_tui.model import AgentEvent
from gitops_tui.workspace import Workspace, init

#: The kind cluster's configuration, looked for at the root of the working tree.
KIND_CONFIG = "kind-config.yaml"

EventSink = Callable[[AgentEvent], None]

__all__ = ["ProviderInfo", "Session", "SessionError"]


class Session:
    """The workspace, the cluster (``provider_info``, ``client``) and an agent not yet started."""

    def __init__(self, workspace: Workspace, connection: ClusterConnection, agent: Agent) -> None:
        self.workspace = workspace
        self.agent = agent
        self._connection = connection

    @property
    def provider_info(self) -> ProviderInfo:
        return self._connection.info

    @property
    def client(self) -> ClusterClient:
        return self._connection.client

    @property
    def joined(self) -> bool:
        """The cluster is served by a running ``up`` in another process."""
        return self._connection.joined

    @classmethod
    def open(
        cls,
        path: Path,
        cluster: str = "auto",
        options: AgentOptions | None = None,
        on_event: EventSink | None = None,
        state_dir: Path | None = None,
        progress: Progress | None = None,
        *,
        cluster_options: ClusterOptions | None = None,
    ) -> Session:
        """For ``up`` and the app: make ``path`` a sandbox if it is not one yet, start the
        cluster ``cluster`` names and serve it (refused while another ``up`` serves this
        sandbox), and build the agent. ``progress`` hears each step in a sentence."""
        say = progress or _quiet
        result = init(path, state_dir)
        for action in result.actions:
            say(f"Sandbox: {action}")
        workspace = result.workspace
        connection = start_serving(
            workspace.state_dir,
            cluster,
            kind_config=_kind_config(workspace),
            cluster_options=cluster_options,
            progress=progress,
        )
        return cls._with_agent(workspace, connection, options, on_event)

    @classmethod
    def attach(
        cls,
        path: Path,
        cluster: str | None = None,
        options: AgentOptions | None = None,
        on_event: EventSink | None = None,
        state_dir: Path | None = None,
        progress: Progress | None = None,
        *,
        command: str,
        cluster_options: ClusterOptions | None = None,
    ) -> Session:
        """For every other command: the sandbox at ``path`` (which must exist), joined to the
        running ``up``, or with the cluster it used last (or ``cluster``) started until
        :meth:`close`."""
        workspace = Workspace.open(path, state_dir)
        connection = connect(
            workspace.state_dir,
            cluster,
            command=command,
            kind_config=_kind_config(workspace),
            cluster_options=cluster_options,
            progress=progress,
        )
        return cls._with_agent(workspace, connection, options, on_event)

    @classmethod
    def _with_agent(
        cls,
        workspace: Workspace,
        connection: ClusterConnection,
        options: AgentOptions | None,
        on_event: EventSink | None,
    ) -> Session:
        try:
            agent = Agent(
                connection.client,
                workspace.bare_path,
                workspace.branch,
                options or AgentOptions(),
                on_event or _ignore,
            )
        except BaseException:
            connection.close()
            raise
        return cls(workspace, connection, agent)

    def close(self) -> None:
        """Stop the agent, then the cluster if this process started it (idempotent)."""
        try:
            self.agent.stop()
        finally:
            self._connection.close()


def _kind_config(workspace: Workspace) -> Path | None:
    config = workspace.path / KIND_CONFIG
    return config if config.is_file() else None


def _ignore(event: AgentEvent) -> None:
    """Events nobody listens to (one-shot commands read the agent's answers instead)."""


def _quiet(message: str) -> None:
    """Progress nobody asked to see."""
