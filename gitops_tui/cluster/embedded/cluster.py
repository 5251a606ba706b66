"""Start and stop the embedded cluster in-process: store, API, controllers, HTTP, kubeconfig.

The CLI (``gitops-tui cluster serve``), the app and the tests all use :class:`EmbeddedCluster`,
so there is one way to run it. Credentials never leave files readable by others: the token and
the kubeconfig are written with mode 0600, and the listener binds 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import secrets
import shutil
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from gitops_tui.cluster.embedded.api import ClusterAPI, WriteOptions
from gitops_tui.cluster.embedded.certs import ensure_certificates
from gitops_tui.cluster.embedded.controllers import ControllerManager
from gitops_tui.cluster.embedded.http import EmbeddedHTTPServer, Router
from gitops_tui.cluster.embedded.load import ClientLoad
from gitops_tui.cluster.embedded.options import ClusterOptions
from gitops_tui.cluster.embedded.registry import Registry
from gitops_tui.cluster.embedded.store import Store
from gitops_tui.cluster.secure_files import write_private

CONTEXT_NAME = "gitops-tui"
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def kubeconfig_text(server: str, token: str, ca_pem: bytes) -> str:
    cluster = {
        "server": server,
        "certificate-authority-data": base64.b64encode(ca_pem).decode("ascii"),
    }
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT_NAME, "cluster": cluster}],
        "users": [{"name": CONTEXT_NAME, "user": {"token": token}}],
        "contexts": [
            {
                "name": CONTEXT_NAME,
                "context": {"cluster": CONTEXT_NAME, "user": CONTEXT_NAME, "namespace": "default"},
            }
        ],
        "current-context": CONTEXT_NAME,
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)


class EmbeddedCluster:
    """A Kubernetes-API-compatible cluster on 127.0.0.1.

    >>> with EmbeddedCluster() as cluster:   # doctest: +SKIP
    ...     print(cluster.kubeconfig_path)
    """

    def __init__(
        self,
        state_dir: Path | None = None,
        port: int = 0,
        options: ClusterOptions | None = None,
    ) -> None:
        self.options = options or ClusterOptions()
        self._persistent = state_dir is not None
        self._scratch: Path | None = None
        if state_dir is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="gitops-tui-cluster-"))
            state_dir = self._scratch
        self.state_dir = state_dir
        self._port = port
        self._server: EmbeddedHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._store: Store | None = None
        self._controllers: ControllerManager | None = None
        self.api: ClusterAPI | None = None
        self.token = ""

    @property
    def kubeconfig_path(self) -> Path:
        return self.state_dir / "kubeconfig"

    @property
    def ca_cert_path(self) -> Path:
        """The CA certificate clients verify the server with (also inside the kubeconfig)."""
        return self.state_dir / "pki" / "ca.crt"

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the embedded cluster is not running")
        host, port = self._server.server_address[:2]
        return f"https://{host!s}:{port}"

    def _load_token(self) -> str:
        path = self.state_dir / "token"
        if path.exists():
            token = path.read_text(encoding="utf-8").strip()
            if token:
                return token
        token = secrets.token_urlsafe(32)
        write_private(path, token + "\n")
        return token

    def start(self) -> None:
        """Open the state, bootstrap system objects, serve HTTP, run controllers.

        On failure (say, the port is taken) everything opened so far is closed again.
        """
        if self._server is not None:
            return
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o700)
        self.token = self._load_token()
        self._store = Store(
            self.state_dir if self._persistent else None, history=self.options.watch_history
        )
        self.api = ClusterAPI(self._store, Registry())
        self._bootstrap(self.api)
        load = ClientLoad()
        router = Router(
            self.api,
            self.token,
            address=lambda: self.url.removeprefix("https://"),
            bookmark_interval=self.options.bookmark_interval,
            load=load,
        )
        certificates = ensure_certificates(self.state_dir / "pki")
        self._server = EmbeddedHTTPServer(self._port, router, certificates)
        # shutdown() waits for serve_forever's next poll: 50 ms instead of the default 0.5 s,
        # which every command that starts a cluster for its own duration would pay.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="embedded-apiserver",
            daemon=True,
        )
        self._thread.start()
        self._controllers = ControllerManager(self.api, self.options, load=load)
        self._controllers.start()
        write_private(
            self.kubeconfig_path, kubeconfig_text(self.url, self.token, certificates.ca_pem)
        )

    def stop(self) -> None:
        """Stop controllers, close watches, stop serving, and close the state."""
        if self._controllers is not None:
            self._controllers.stop()
            self._controllers = None
        if self._server is not None:
            self._server.router.stopping.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> EmbeddedCluster:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @staticmethod
    def _bootstrap(api: ClusterAPI) -> None:
        """The objects every kube-apiserver creates for itself at start-up."""
        manager = WriteOptions(field_manager="kube-apiserver")
        ns_type = api.namespace_type()
        for name in SYSTEM_NAMESPACES:
            if api.find(ns_type, None, name) is None:
                api.create(ns_type, None, {"metadata": {"name": name}}, manager)
        svc_type = api.registry.lookup("", "v1", "services")
        assert svc_type is not None
        if api.find(svc_type, "default", "kubernetes") is None:
            service = {
                "metadata": {
                    "name": "kubernetes",
                    "labels": {"component": "apiserver", "provider": "kubernetes"},
                },
                "spec": {
                    "clusterIP": "10.96.0.1",
                    "ports": [{"name": "https", "port": 443, "targetPort": 6443}],
                },
            }
            api.create(svc_type, "default", service, manager)
