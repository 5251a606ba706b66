"""The one door to a Kubernetes API server: plain dicts in and out, our own errors.

kind, any kubeconfig context and the embedded cluster are all reached through this module, over
HTTP with the official ``kubernetes`` client, so the product has a single code path to a cluster
and a single place that knows the client library (no other module imports ``kubernetes``).

The agent works with manifests as dicts, so this facade does too. Discovery (kind -> plural and
scope) comes from the client's own ``DynamicClient``, which refreshes itself when asked for a
kind it has not seen, so a CRD applied a moment ago is found. Failures become
:class:`ApiError` (code, reason, message from the server's ``Status``) or, when the server
cannot be reached at all, :class:`ClusterUnreachable`: callers show a status and retry, they
never see ``ApiException`` or a urllib3 traceback.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import urllib3
import yaml
from kubernetes import client as k8s
from kubernetes import watch as k8s_watch
from kubernetes.config import kube_config
from kubernetes.config.config_exception import ConfigException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ResourceNotFoundError, ResourceNotUniqueError
from kubernetes.dynamic.resource import ResourceList

Obj = dict[str, Any]
WatchEventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "RELIST"]
Propagation = Literal["Background", "Foreground", "Orphan"]
PatchType = Literal["merge", "strategic"]

_PATCH_CONTENT_TYPES: dict[PatchType, str] = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
}

#: Page size for lists: big enough that a sandbox needs one request, small enough for a real
#: cluster holding thousands of objects.
LIST_PAGE_SIZE = 500
#: Connections kept open to the server: one per watch an agent holds (a watch per managed
#: kind) plus the requests beside them, so none is reopened (a TLS handshake) per request.
MAX_CONNECTIONS = 64


class ClusterError(Exception):
    """Base of every error this module raises."""


class ClusterConfigError(ClusterError):
    """The kubeconfig is missing, unreadable, or lacks the requested context."""


class ClusterUnreachable(ClusterError):
    """No HTTP answer from the API server: refused, timed out, reset, or TLS failed."""

    def __init__(self, server: str, detail: str) -> None:
        super().__init__(f"cannot reach the cluster at {server}: {detail}")
        self.server = server
        self.detail = detail


class UnknownKind(ClusterError):
    """The API server serves no resource for this apiVersion and kind (yet)."""

    def __init__(self, api_version: str, kind: str) -> None:
        super().__init__(f"the cluster does not serve {kind} in {api_version}")
        self.api_version = api_version
        self.kind = kind


class ApiError(ClusterError):
    """The API server answered with an error ``Status``."""

    def __init__(self, code: int, reason: str, message: str, details: Obj | None = None) -> None:
        super().__init__(f"{message} ({code} {reason})")
        self.code = code
        self.reason = reason
        self.message = message
        self.details: Obj = details or {}


class NotFound(ApiError):
    """404: the object (or its namespace) does not exist."""


class Conflict(ApiError):
    """409: AlreadyExists, a stale resourceVersion, or a server-side apply field conflict."""


class Expired(ApiError):
    """410: a resourceVersion or continue token too old for the server to serve."""


class Invalid(ApiError):
    """422: the object failed validation; ``details["causes"]`` names the fields."""


_ERROR_TYPES: dict[int, type[ApiError]] = {404: NotFound, 409: Conflict, 410: Expired, 422: Invalid}


@dataclass(frozen=True)
class ResourceInfo:
    """What discovery says about a kind: its URL name and whether it lives in namespaces."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool


@dataclass(frozen=True)
class ObjectList:
    """Every object of a list, plus the resourceVersion to start a watch from."""

    items: tuple[Obj, ...]
    resource_version: str


@dataclass(frozen=True)
class WatchEvent:
    """One change seen by a watch.

    ``RELIST`` means the server no longer has history from the requested resourceVersion
    (410 Expired): list again and watch from the list's resourceVersion. ``object`` is then
    the server's Status.
    """

    type: WatchEventType
    object: Obj

    @property
    def resource_version(self) -> str:
        return str((self.object.get("metadata") or {}).get("resourceVersion") or "")


class ClusterClient:
    """A typed facade over the official client for one cluster (thread-safe).

    Build it with :meth:`from_kubeconfig`; close it (or use ``with``) to release connections.
    """

    def __init__(
        self,
        api_client: k8s.ApiClient,
        *,
        context: str,
        default_namespace: str = "default",
        request_timeout: float = 30.0,
    ) -> None:
        self._api = api_client
        self.context = context
        #: The context's namespace, where kubectl would put an object that names none.
        self.default_namespace = default_namespace
        self._timeout = request_timeout
        self._lock = threading.Lock()
        # DynamicClient and Watch carry no annotations: held as Any, their results typed here.
        self._dynamic: Any = None
        self._discovery_dir: tempfile.TemporaryDirectory[str] | None = None

    @classmethod
    def from_kubeconfig(cls, path: Path | str, context: str | None = None) -> ClusterClient:
        """A client for ``context`` (default: the current context) of the kubeconfig at ``path``.

        Raises :class:`ClusterConfigError` for a missing or broken file or an unknown context.
        Nothing is sent to the server yet.
        """
        config_file = Path(path).expanduser()
        # Read the context list ourselves: the client's own listing insists on a
        # current-context even when one is named, which kubectl --context does not.
        try:
            config: Any = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            message = f"cannot read kubeconfig {config_file}: {_one_line(exc)}"
            raise ClusterConfigError(message) from exc
        if not isinstance(config, dict):
            raise ClusterConfigError(f"{config_file} is not a kubeconfig (no mapping inside)")
        contexts: dict[str, Obj] = {
            str(entry.get("name")): entry.get("context") or {}
            for entry in config.get("contexts") or ()
            if isinstance(entry, dict)
        }
        known = ", ".join(sorted(contexts)) or "none"
        name = context or config.get("current-context")
        if not name:
            raise ClusterConfigError(
                f"kubeconfig {config_file} sets no current-context: name one of its contexts "
                f"({known})"
            )
        if name not in contexts:
            raise ClusterConfigError(
                f"kubeconfig {config_file} has no context {name!r} (its contexts: {known})"
            )
        configuration = k8s.Configuration()
        configuration.connection_pool_maxsize = MAX_CONNECTIONS
        try:
            api_client = kube_config.new_client_from_config(  # type: ignore[no-untyped-call]
                config_file=str(config_file),
                context=name,
                persist_config=False,
                client_configuration=configuration,
            )
        except (ConfigException, OSError, ValueError) as exc:
            raise ClusterConfigError(
                f"cannot use context {name!r} of kubeconfig {config_file}: {_one_line(exc)}"
            ) from exc
        namespace = contexts[name].get("namespace") or "default"
        return cls(api_client, context=str(name), default_namespace=str(namespace))

    @property
    def server(self) -> str:
        """The API server's URL, as the kubeconfig names it."""
        return str(self._api.configuration.host)

    def close(self) -> None:
        self._api.close()  # type: ignore[no-untyped-call]
        if self._discovery_dir is not None:
            self._discovery_dir.cleanup()
            self._discovery_dir = None

    def __enter__(self) -> ClusterClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def ping(self, timeout_seconds: float = 2.0) -> None:
        """Check the server answers and accepts our credentials, within ``timeout_seconds``.

        Raises :class:`ClusterUnreachable`, or :class:`ApiError` (say 401) when it answers no.
        """
        with self._errors():
            k8s.CoreApi(self._api).get_api_versions(_request_timeout=timeout_seconds)

    def server_version(self) -> str:
        """The server's ``gitVersion``, such as ``v1.37.0``."""
        with self._errors():
            info = k8s.VersionApi(self._api).get_code(_request_timeout=self._timeout)
        return str(info.git_version)

    def resource_for(self, api_version: str, kind: str) -> ResourceInfo:
        """Discovery's answer for ``kind`` in ``api_version``; :class:`UnknownKind` if none."""
        resource = self._resource(api_version, kind)
        return ResourceInfo(api_version, kind, str(resource.name), bool(resource.namespaced))

    def invalidate(self) -> None:
        """Forget discovery, so kinds added or removed since (CRDs) are seen on next use."""
        with self._lock:
            if self._dynamic is not None:
                with self._errors():
                    self._dynamic.resources.invalidate_cache()

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        """The live object; :class:`NotFound` when it does not exist."""
        resource = self._resource(api_version, kind)
        with self._errors():
            response = self._dynamic_client().get(
                resource,
                name=name,
                namespace=_namespace_for(resource, namespace, api_version, kind),
                serialize=False,
                _request_timeout=self._timeout,
            )
        return _body(response)

    def list(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> ObjectList:
        """Every object of ``kind`` (in ``namespace``, or everywhere), following pages.

        Items carry ``apiVersion`` and ``kind`` like the manifests they are compared with (the
        API server leaves them out of list items).
        """
        resource = self._resource(api_version, kind)
        items: list[Obj] = []
        token: str | None = None
        while True:
            with self._errors():
                response = self._dynamic_client().get(
                    resource,
                    namespace=namespace if resource.namespaced else None,
                    label_selector=label_selector,
                    limit=LIST_PAGE_SIZE,
                    _continue=token,
                    serialize=False,
                    _request_timeout=self._timeout,
                )
            page = _body(response)
            for item in page.get("items") or ():
                items.append({"apiVersion": api_version, "kind": kind, **item})
            metadata = page.get("metadata") or {}
            token = metadata.get("continue") or None
            if token is None:
                return ObjectList(tuple(items), str(metadata.get("resourceVersion") or ""))

    def server_side_apply(
        self, obj: Obj, field_manager: str, force: bool = True, dry_run: bool = False
    ) -> Obj:
        """Server-side apply ``obj`` as ``field_manager``; the object as the server now has it.

        ``force`` takes over fields other managers own (what a GitOps agent does); without it a
        field conflict is a :class:`Conflict`. ``dry_run`` runs admission and defaulting and
        returns the would-be object without storing it (the basis of drift detection).
        """
        api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
        metadata = obj.get("metadata") or {}
        name = metadata.get("name")
        if not name:
            raise ValueError(f"{kind} {api_version}: metadata.name is required to apply")
        resource = self._resource(api_version, kind)
        with self._errors():
            response = self._dynamic_client().server_side_apply(
                resource,
                body=obj,
                name=name,
                namespace=_namespace_for(resource, metadata.get("namespace"), api_version, kind),
                field_manager=field_manager,
                force_conflicts=True if force else None,
                dry_run="All" if dry_run else None,
                serialize=False,
                _request_timeout=self._timeout,
            )
        return _body(response)

    def patch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        name: str,
        body: Obj,
        patch_type: PatchType,
        field_manager: str,
        subresource: str | None = None,
    ) -> Obj:
        """Patch an object (or its ``subresource``, such as ``scale``) as ``field_manager``.

        The way ``kubectl edit``, ``scale``, ``set`` and ``label`` change objects: an Update
        recorded in managedFields under the given manager. Returns the server's answer.
        """
        resource = self._resource(api_version, kind)
        target = resource.subresources.get(subresource) if subresource else resource
        if target is None:
            raise UnknownKind(api_version, f"{kind}/{subresource}")
        with self._errors():
            response = self._dynamic_client().patch(
                target,
                body=body,
                name=name,
                namespace=_namespace_for(resource, namespace, api_version, kind),
                content_type=_PATCH_CONTENT_TYPES[patch_type],
                field_manager=field_manager,
                serialize=False,
                _request_timeout=self._timeout,
            )
        return _body(response)

    def find_kind(self, text: str) -> ResourceInfo:
        """The kind a person means by ``text``, as kubectl reads it: a kind, plural, singular
        or short name, optionally ``.group``-qualified (``deploy``, ``configmaps``,
        ``ingresses.networking.k8s.io``), in the group's preferred version."""
        dynamic = self._dynamic_client()
        with self._lock, self._errors():
            resources = dynamic.resources.search(preferred=True)
        word = text.strip().lower()
        found: dict[tuple[str, str], ResourceInfo] = {}
        for resource in resources:
            if isinstance(resource, ResourceList):
                continue
            names = {
                str(resource.kind).lower(),
                str(resource.name),
                str(resource.singular_name or ""),
                *(str(n) for n in resource.short_names or ()),
            }
            group = str(resource.group or "")
            if word in names or (group and any(word == f"{n}.{group}" for n in names)):
                info = ResourceInfo(
                    str(resource.group_version),
                    str(resource.kind),
                    str(resource.name),
                    bool(resource.namespaced),
                )
                found[(group, info.kind)] = info
        if len(found) == 1:
            return next(iter(found.values()))
        if not found:
            raise UnknownKind("any group", text)
        groups = ", ".join(f"{kind}.{group}" if group else kind for group, kind in sorted(found))
        raise ClusterError(f"{text!r} is ambiguous: name one of {groups}")

    def kinds(self) -> tuple[ResourceInfo, ...]:
        """Every kind the server serves that can be listed and watched, in its preferred
        version (what an agent scans for objects it owns of kinds no longer in Git)."""
        dynamic = self._dynamic_client()
        with self._lock, self._errors():
            resources = dynamic.resources.search(preferred=True)
        found: dict[tuple[str, str], ResourceInfo] = {}
        for resource in resources:
            if isinstance(resource, ResourceList) or "/" in str(resource.name):
                continue
            if not {"list", "watch"} <= set(resource.verbs or ()):
                continue
            info = ResourceInfo(
                str(resource.group_version),
                str(resource.kind),
                str(resource.name),
                bool(resource.namespaced),
            )
            found.setdefault((str(resource.group or ""), info.kind), info)
        return tuple(found[key] for key in sorted(found))

    def preferred_api_version(self, group: str, kind: str) -> str:
        """The apiVersion discovery prefers for ``kind`` in ``group`` (``""``: the core group)."""
        dynamic = self._dynamic_client()
        with self._lock, self._errors():
            found = dynamic.resources.search(group=group, kind=kind, preferred=True)
        versions = sorted({str(r.group_version) for r in found})
        if not versions:
            raise UnknownKind(group or "v1", kind)
        return versions[0]

    def delete(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        name: str,
        propagation: Propagation = "Background",
    ) -> Obj:
        """Delete an object; the server's answer (the object being deleted, or a Status)."""
        resource = self._resource(api_version, kind)
        with self._errors():
            response = self._dynamic_client().delete(
                resource,
                name=name,
                namespace=_namespace_for(resource, namespace, api_version, kind),
                propagation_policy=propagation,
                serialize=False,
                _request_timeout=self._timeout,
            )
        return _body(response)

    def watch(
        self,
        api_version: str,
        kind: str,
        resource_version: str,
        timeout_seconds: int,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> Iterator[WatchEvent]:
        """Changes to ``kind`` after ``resource_version``, for up to ``timeout_seconds``.

        Bookmarks are requested, so the last event's resourceVersion is always a good place to
        resume from. When the server has no history that far back (410 Expired) the stream
        ends with one ``RELIST`` event instead of raising.
        """
        resource = self._resource(api_version, kind)
        watcher = k8s_watch.Watch()  # type: ignore[no-untyped-call]
        stream = watcher.stream(  # type: ignore[no-untyped-call]
            self._dynamic_client().get,
            resource,
            namespace=namespace if resource.namespaced else None,
            label_selector=label_selector,
            resource_version=resource_version,
            timeout_seconds=timeout_seconds,
            allow_watch_bookmarks=True,
            serialize=False,
            # The server ends the stream at timeout_seconds; the client only gives up on a
            # server that has gone silent well past that.
            _request_timeout=(self._timeout, timeout_seconds + self._timeout),
        )
        try:
            with self._errors():
                for raw in stream:
                    yield WatchEvent(raw["type"], raw["raw_object"])
        except Expired as exc:
            yield WatchEvent("RELIST", {"kind": "Status", "code": exc.code, "message": exc.message})
        finally:
            stream.close()

    def _dynamic_client(self) -> Any:
        if self._dynamic is None:
            with self._lock:
                if self._dynamic is None:
                    self._dynamic = self._connect()
        return self._dynamic

    def _connect(self) -> Any:
        # DynamicClient starts discovery at once, with no request timeout: check the server
        # answers quickly first, so an unreachable cluster fails fast instead of hanging.
        self.ping(timeout_seconds=self._timeout)
        # Discovery is cached in a file; keep it private to this client instead of the
        # default shared /tmp/osrcp-*.json, which another user could have planted.
        self._discovery_dir = tempfile.TemporaryDirectory(prefix="gitops-tui-discovery-")
        cache_file = str(Path(self._discovery_dir.name) / "discovery.json")
        with self._errors():
            return DynamicClient(self._api, cache_file=cache_file)  # type: ignore[no-untyped-call]

    def _resource(self, api_version: str, kind: str) -> Any:
        dynamic = self._dynamic_client()
        prefix = "apis" if "/" in api_version else "api"
        with self._lock, self._errors():
            try:
                return dynamic.resources.get(prefix=prefix, api_version=api_version, kind=kind)
            except (ResourceNotFoundError, ResourceNotUniqueError):
                raise UnknownKind(api_version, kind) from None

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except k8s.ApiException as exc:
            raise _api_error(exc) from None
        except urllib3.exceptions.HTTPError as exc:
            raise ClusterUnreachable(self.server, _root_cause(exc)) from exc


def _namespace_for(resource: Any, namespace: str | None, api_version: str, kind: str) -> str | None:
    if not resource.namespaced:
        return None
    if not namespace:
        raise ValueError(f"{kind} ({api_version}) is namespaced: a namespace is required")
    return namespace


def _body(response: Any) -> Obj:
    body = json.loads(response.data or b"{}")
    if not isinstance(body, dict):
        raise ClusterError(f"the API server sent {type(body).__name__} where an object belongs")
    return body


def _api_error(exc: k8s.ApiException) -> ApiError:
    status: Obj = {}
    if exc.body:
        try:
            parsed = json.loads(exc.body)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            status = parsed
    code = int(status.get("code") or exc.status or 0)
    reason = str(status.get("reason") or "")
    message = str(status.get("message") or "")
    if not message:
        # A watch ERROR event arrives without a body, as "Reason: message" in exc.reason.
        head, _, tail = str(exc.reason or "").partition(": ")
        reason, message = (reason or head, tail) if tail else (reason, head)
    return _ERROR_TYPES.get(code, ApiError)(
        code, reason or "Unknown", message or f"HTTP {code}", status.get("details")
    )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _root_cause(exc: BaseException) -> str:
    """The operating system's words for a connection failure ("Connection refused")."""
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, OSError):
            return current.strerror or str(current) or type(current).__name__
        reason = getattr(current, "reason", None)
        current = reason if isinstance(reason, BaseException) else current.__cause__
    return str(exc)
