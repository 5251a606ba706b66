"""The HTTP face of the embedded cluster: routing, authentication, content negotiation, watch.

Built on the standard library's threading HTTP server (HTTP/1.1 keep-alive, one thread per
connection, which suits long-lived watches) so the embedded cluster starts in milliseconds and
needs nothing beyond Python. Every request must carry the bearer token; the listener binds
127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from gitops_tui.cluster.embedded import discovery, errors, openapi
from gitops_tui.cluster.embedded.api import ClusterAPI, DeleteOptions, WriteOptions, WriteResult
from gitops_tui.cluster.embedded.certs import ServingCertificates
from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.load import ClientLoad, Ticket
from gitops_tui.cluster.embedded.meta import new_uid
from gitops_tui.cluster.embedded.registry import ResourceType
from gitops_tui.cluster.embedded.schema import KUBERNETES_VERSION
from gitops_tui.cluster.embedded.selectors import parse_field_selector, parse_label_selector
from gitops_tui.cluster.embedded.tables import to_table

#: The client went away mid-response (over TLS a closed peer is an SSL EOF, not a reset).
_CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ssl.SSLEOFError)

log = logging.getLogger(__name__)

JSON = "application/json"
SUBRESOURCES = ("status", "scale", "finalize")


@dataclass(frozen=True)
class Target:
    """A resource URL taken apart."""

    rt: ResourceType
    namespace: str | None
    name: str | None
    subresource: str
    watch_prefix: bool


@dataclass(frozen=True)
class Accept:
    table: bool
    partial_metadata: bool
    aggregated_discovery: bool

    @classmethod
    def parse(cls, header: str) -> Accept:
        first = header.split(",")[0] if header else ""
        return cls(
            table="as=Table" in first,
            partial_metadata="as=PartialObjectMetadata" in first,
            aggregated_discovery="as=APIGroupDiscoveryList" in header,
        )


class Request:
    """One HTTP request as the router needs it."""

    def __init__(self, handler: BaseHTTPRequestHandler, method: str, ticket: Ticket) -> None:
        self.handler = handler
        self.method = method
        #: Counts this request as being served until released (a watch: once its stream is open).
        self.ticket = ticket
        parts = urlsplit(handler.path)
        self.path = parts.path
        self.query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = handler.headers
        self._body: bytes | None = None

    def body(self) -> bytes:
        if self._body is None:
            length = int(self.headers.get("Content-Length") or 0)
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                self._body = _read_chunked(self.handler)
            else:
                self._body = self.handler.rfile.read(length) if length else b""
        return self._body

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("true", "1")

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or JSON).split(";")[0].strip().lower()


def _read_chunked(handler: BaseHTTPRequestHandler) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            handler.rfile.readline()
            return b"".join(chunks)
        chunks.append(handler.rfile.read(size))
        handler.rfile.readline()


class Router:
    """Maps requests to :class:`ClusterAPI` calls and writes kube-apiserver's responses."""

    def __init__(
        self,
        api: ClusterAPI,
        token: str,
        address: Callable[[], str],
        bookmark_interval: float = 10.0,
        load: ClientLoad | None = None,
    ) -> None:
        self.api = api
        self.load = load or ClientLoad()
        self.token = token
        self.address = address
        self.bookmark_interval = bookmark_interval
        self.stopping = threading.Event()
        self._openapi_cache: dict[tuple[str, int], tuple[dict[str, Any], str]] = {}

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        request = Request(handler, method, self.load.serving())
        try:
            if not self._authorized(request):
                raise errors.unauthorized()
            self._route(request)
        except APIError as exc:
            self._send(request, exc.code, exc.status())
        except _CLIENT_GONE:
            return
        except Exception as exc:
            log.exception("internal error serving %s %s", method, request.path)
            failure = errors.internal(str(exc))
            with contextlib.suppress(OSError):
                self._send(request, failure.code, failure.status())
        finally:
            request.ticket.release()

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("Authorization") or ""
        scheme, _, presented = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            presented.strip().encode(), self.token.encode()
        )

    def _route(self, request: Request) -> None:
        path = request.path.rstrip("/") or "/"
        accept = Accept.parse(request.headers.get("Accept", ""))
        if path in ("/healthz", "/livez", "/readyz"):
            self._send_text(request, 200, "ok")
            return
        if path == "/version":
            self._send(request, 200, _version())
            return
        if path == "/api":
            if accept.aggregated_discovery:
                body = discovery.aggregated(self.api.registry, legacy=True)
                self._send(request, 200, body, discovery.AGGREGATED_MEDIA)
            else:
                self._send(request, 200, discovery.api_versions(self.address()))
            return
        if path == "/apis":
            if accept.aggregated_discovery:
                body = discovery.aggregated(self.api.registry, legacy=False)
                self._send(request, 200, body, discovery.AGGREGATED_MEDIA)
            else:
                self._send(request, 200, discovery.api_group_list(self.api.registry))
            return
        if path.startswith("/openapi/"):
            self._serve_openapi(request, path)
            return
        segments = [s for s in path.split("/") if s]
        if segments[0] == "apis" and len(segments) == 2:
            group_doc = discovery.api_group(self.api.registry, segments[1])
            if group_doc is None:
                raise errors.resource_not_found()
            self._send(request, 200, group_doc)
            return
        if (segments[0] == "api" and len(segments) == 2) or (
            segments[0] == "apis" and len(segments) == 3
        ):
            group = "" if segments[0] == "api" else segments[1]
            resource_list = discovery.api_resource_list(self.api.registry, group, segments[-1])
            if resource_list is None:
                raise errors.resource_not_found()
            self._send(request, 200, resource_list)
            return
        target = self._target(segments)
        if target is None:
            self._send_text(request, 404, "404 page not found\n")
            return
        self._dispatch(request, target, accept)

    def _target(self, segments: list[str]) -> Target | None:
        if segments[0] == "api" and len(segments) >= 3:
            group, version, rest = "", segments[1], segments[2:]
        elif segments[0] == "apis" and len(segments) >= 4:
            group, version, rest = segments[1], segments[2], segments[3:]
        else:
            return None
        watch_prefix = rest[0] == "watch"
        if watch_prefix:
            rest = rest[1:]
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] not in SUBRESOURCES:
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            return None
        rt = self.api.registry.lookup(group, version, rest[0])
        if rt is None:
            raise errors.resource_not_found()
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else ""
        if sub and sub not in rt.subresources:
            raise errors.resource_not_found()
        if namespace is not None and not rt.namespaced:
            raise errors.resource_not_found()
        return Target(rt, namespace, name, sub, watch_prefix)

    def _dispatch(self, request: Request, target: Target, accept: Accept) -> None:
        rt, method = target.rt, request.method
        labels = parse_label_selector(request.query.get("labelSelector"))
        fields = parse_field_selector(request.query.get("fieldSelector"), rt)
        if target.name is None:
            if method == "GET":
                if target.watch_prefix or request.flag("watch"):
                    self._watch(request, target, accept)
                    return
                limit = int(request.query.get("limit") or 0)
                listed = self.api.list(
                    rt, target.namespace, labels, fields, limit, request.query.get("continue")
                )
                self._send_object(request, 200, rt, listed, accept, is_list=True)
            elif method == "POST":
                if target.namespace is None and rt.namespaced:
                    raise errors.method_not_allowed("create", rt)
                result = self.api.create(
                    rt, target.namespace, self._decode(request), self._write_options(request)
                )
                self._send_write(request, rt, result, accept)
            elif method == "DELETE":
                body = self._decode(request, optional=True)
                options = DeleteOptions.from_body(body, self._dry_run(request))
                options = self._delete_query(request, options)
                if "deletecollection" not in rt.verbs:
                    raise errors.method_not_allowed("deletecollection", rt)
                listed = self.api.delete_collection(rt, target.namespace, labels, fields, options)
                self._send(request, 200, listed)
            else:
                raise errors.method_not_allowed(method.lower(), rt)
            return
        name = target.name
        if target.watch_prefix:
            self._watch(request, target, accept, name=name)
            return
        sub = target.subresource
        if sub == "finalize" and method == "PUT":
            self._finalize_namespace(request, name)
            return
        if method == "GET":
            obj = self.api.get(rt, target.namespace, name)
            if sub == "scale":
                self._send(request, 200, self.api.scale_of(rt, obj))
                return
            self._send_object(request, 200, rt, obj, accept)
        elif method == "PUT":
            result = self.api.replace(
                rt, target.namespace, name, self._decode(request), self._write_options(request), sub
            )
            self._send_write(request, rt, result, accept, sub=sub)
        elif method == "PATCH":
            result = self.api.patch(
                rt,
                target.namespace,
                name,
                request.content_type,
                request.body(),
                self._write_options(request),
                sub,
            )
            self._send_write(request, rt, result, accept, sub=sub)
        elif method == "DELETE":
            body = self._decode(request, optional=True)
            options = self._delete_query(
                request, DeleteOptions.from_body(body, self._dry_run(request))
            )
            code, deleted = self.api.delete(rt, target.namespace, name, options)
            self._send(request, code, deleted)
        else:
            raise errors.method_not_allowed(method.lower(), rt)

    def _finalize_namespace(self, request: Request, name: str) -> None:
        body = self._decode(request)
        ns_type = self.api.namespace_type()
        old = self.api.get(ns_type, None, name)
        updated = json.loads(json.dumps(old))
        updated["spec"] = body.get("spec") or {}
        result = self.api.replace(ns_type, None, name, updated, self._write_options(request))
        self._send(request, 200, result.object)

    @staticmethod
    def _dry_run(request: Request) -> bool:
        value = request.query.get("dryRun")
        if value in (None, ""):
            return False
        if value != "All":
            raise errors.bad_request(
                f'dryRun: Unsupported value: "{value}": supported values: "All"'
            )
        return True

    def _write_options(self, request: Request) -> WriteOptions:
        manager = request.query.get("fieldManager") or ""
        if not manager and request.content_type != "application/apply-patch+yaml":
            agent = request.headers.get("User-Agent") or ""
            manager = agent.split("/")[0][:128] or "unknown"
        validation = request.query.get("fieldValidation") or "Warn"
        if validation not in ("Strict", "Warn", "Ignore"):
            raise errors.bad_request(
                f'fieldValidation: Unsupported value: "{validation}": supported values: '
                '"Ignore", "Strict", "Warn"'
            )
        return WriteOptions(
            dry_run=self._dry_run(request),
            field_manager=manager,
            field_validation=validation,
            force=request.flag("force"),
        )

    @staticmethod
    def _delete_query(request: Request, options: DeleteOptions) -> DeleteOptions:
        policy = request.query.get("propagationPolicy") or options.propagation_policy
        grace = request.query.get("gracePeriodSeconds")
        return DeleteOptions(
            propagation_policy=policy,
            grace_period_seconds=int(grace) if grace else options.grace_period_seconds,
            preconditions_uid=options.preconditions_uid,
            preconditions_rv=options.preconditions_rv,
            dry_run=options.dry_run,
        )

    def _decode(self, request: Request, optional: bool = False) -> Any:
        raw = request.body()
        if not raw.strip():
            if optional:
                return None
            raise errors.bad_request("the body of the request was empty")
        content_type = request.content_type
        try:
            if content_type in ("application/json", "*/*", ""):
                return json.loads(raw)
            if content_type in ("application/yaml", "application/x-yaml"):
                return yaml.safe_load(raw)
        except (ValueError, yaml.YAMLError) as exc:
            raise errors.bad_request(
                f"the object provided is unrecognized: couldn't get version/kind; json parse "
                f"error: {exc}"
            ) from exc
        raise errors.unsupported_media_type(content_type, ("application/json", "application/yaml"))

    def _send_write(
        self,
        request: Request,
        rt: ResourceType,
        result: WriteResult,
        accept: Accept,
        sub: str = "",
    ) -> None:
        code = 201 if result.created else 200
        if sub == "scale":
            self._send(request, code, result.object, warnings=result.warnings)
            return
        self._send_object(request, code, rt, result.object, accept, warnings=result.warnings)

    def _send_object(
        self,
        request: Request,
        code: int,
        rt: ResourceType,
        obj: dict[str, Any],
        accept: Accept,
        is_list: bool = False,
        warnings: list[str] | None = None,
    ) -> None:
        if accept.table:
            items = obj["items"] if is_list else [obj]
            if is_list and not rt.is_custom:
                items = [{"apiVersion": rt.api_version, "kind": rt.kind, **i} for i in items]
            list_meta = (
                obj["metadata"]
                if is_list
                else {"resourceVersion": obj["metadata"].get("resourceVersion", "")}
            )
            body = to_table(
                rt,
                items,
                list_meta=list_meta,
                include_object=request.query.get("includeObject") or "Metadata",
            )
            self._send(request, code, body, warnings=warnings)
            return
        if accept.partial_metadata:
            if is_list:
                body = {
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj["metadata"],
                    "items": [_partial(item) for item in obj["items"]],
                }
            else:
                body = _partial(obj)
            self._send(request, code, body, warnings=warnings)
            return
        self._send(request, code, obj, warnings=warnings)

    def _watch(
        self, request: Request, target: Target, accept: Accept, name: str | None = None
    ) -> None:
        rt = target.rt
        fields_text = request.query.get("fieldSelector") or ""
        if name:
            fields_text = ",".join(filter(None, [fields_text, f"metadata.name={name}"]))
        labels = parse_label_selector(request.query.get("labelSelector"))
        fields = parse_field_selector(fields_text, rt)
        send_initial = request.flag("sendInitialEvents")
        bookmarks = request.flag("allowWatchBookmarks")
        timeout_text = request.query.get("timeoutSeconds")
        timeout = float(timeout_text) if timeout_text else random.uniform(1800, 3600)  # noqa: S311
        handler = request.handler
        try:
            watch = self.api.watch(
                rt,
                target.namespace,
                labels,
                fields,
                request.query.get("resourceVersion"),
                send_initial_events=send_initial,
            )
        except APIError as exc:
            if exc.code != 410:
                raise
            # kube-apiserver answers 200 and sends the 410 as an ERROR event.
            self._start_stream(handler)
            self._write_event(handler, {"type": "ERROR", "object": exc.status()})
            self._end_stream(handler)
            return
        self._start_stream(handler)
        deadline = time.monotonic() + timeout
        columns_sent = [False]
        try:
            for initial in watch.initial_events():
                self._write_event(
                    handler, self._event_body(request, rt, initial, accept, columns_sent)
                )
            if send_initial and bookmarks:
                self._write_event(handler, watch.bookmark(initial_events_end=True))
            request.ticket.release()
            next_bookmark = time.monotonic() + self.bookmark_interval
            while not self.stopping.is_set():
                now = time.monotonic()
                if now >= deadline:
                    break
                wait = min(deadline, next_bookmark) - now
                try:
                    event = watch.next(max(wait, 0.0))
                except EOFError:
                    break
                if event is not None:
                    self._write_event(
                        handler, self._event_body(request, rt, event, accept, columns_sent)
                    )
                if bookmarks and time.monotonic() >= next_bookmark:
                    self._write_event(handler, watch.bookmark())
                    next_bookmark = time.monotonic() + self.bookmark_interval
                elif not bookmarks and time.monotonic() >= next_bookmark:
                    next_bookmark = time.monotonic() + self.bookmark_interval
            self._end_stream(handler)
        except _CLIENT_GONE:
            pass
        finally:
            watch.close()

    def _event_body(
        self,
        request: Request,
        rt: ResourceType,
        event: dict[str, Any],
        accept: Accept,
        columns_sent: list[bool],
    ) -> dict[str, Any]:
        """One watch event in the requested form; Tables carry columns on the first only."""
        if accept.table:
            obj = event["object"]
            table = to_table(
                rt,
                [obj],
                list_meta={"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                include_object=request.query.get("includeObject") or "Metadata",
            )
            if columns_sent[0]:
                table["columnDefinitions"] = None
            columns_sent[0] = True
            return {"type": event["type"], "object": table}
        if accept.partial_metadata:
            return {"type": event["type"], "object": _partial(event["object"])}
        return event

    @staticmethod
    def _start_stream(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", JSON)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Cache-Control", "no-cache, private")
        handler.send_header("Audit-Id", new_uid())
        handler.end_headers()
        handler.wfile.flush()

    @staticmethod
    def _write_event(handler: BaseHTTPRequestHandler, event: dict[str, Any]) -> None:
        data = json.dumps(event, separators=(",", ":")).encode() + b"\n"
        handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        handler.wfile.flush()

    @staticmethod
    def _end_stream(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"0\r\n\r\n")
        handler.wfile.flush()

    def _serve_openapi(self, request: Request, path: str) -> None:
        if path == "/openapi/v3":
            hashes = {}
            for group, versions in self.api.registry.group_versions().items():
                for version in versions:
                    gv = f"apis/{group}/{version}" if group else f"api/{version}"
                    hashes[gv] = self._openapi_document(gv)[1]
            self._send(request, 200, openapi.root_document(self.api.registry, hashes))
            return
        if path.startswith("/openapi/v3/"):
            gv = path.removeprefix("/openapi/v3/")
            document, digest = self._openapi_document(gv)
            if not document:
                self._send_text(request, 404, "404 page not found\n")
                return
            self._send(request, 200, document, etag=f'"{digest}"')
            return
        # OpenAPI v2 is not served; kubectl falls back to v3 and its compiled-in types.
        self._send_text(request, 404, "404 page not found\n")

    def _openapi_document(self, gv: str) -> tuple[dict[str, Any], str]:
        generation = len(self.api.registry.all()) + hash(
            tuple(sorted(rt.group_resource for rt in self.api.registry.all() if rt.is_custom))
        )
        cached = self._openapi_cache.get((gv, generation))
        if cached is None:
            document = openapi.group_version_document(self.api.registry, gv) or {}
            cached = (document, openapi.document_hash(document) if document else "")
            self._openapi_cache[(gv, generation)] = cached
        return cached

    def _send(
        self,
        request: Request,
        code: int,
        body: dict[str, Any],
        content_type: str = JSON,
        warnings: list[str] | None = None,
        etag: str | None = None,
    ) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        handler = request.handler
        handler.send_response(code)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Cache-Control", "no-cache, private")
        handler.send_header("Audit-Id", new_uid())
        if etag:
            handler.send_header("Etag", etag)
        for warning in warnings or ():
            escaped = warning.replace("\\", "\\\\").replace('"', '\\"')
            handler.send_header("Warning", f'299 - "{escaped}"')
        handler.end_headers()
        if request.method != "HEAD":
            handler.wfile.write(data)

    @staticmethod
    def _send_text(request: Request, code: int, text: str) -> None:
        data = text.encode()
        handler = request.handler
        handler.send_response(code)
        handler.send_header("Content-Type", "text/plain; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def _partial(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata", {}),
    }


def _version() -> dict[str, Any]:
    major, minor, patch = KUBERNETES_VERSION.split(".")
    return {
        "major": major,
        "minor": minor,
        "emulationMajor": major,
        "emulationMinor": minor,
        "minCompatibilityMajor": major,
        "minCompatibilityMinor": str(int(minor) - 1),
        "gitVersion": f"v{major}.{minor}.{patch}+gitops-tui",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.25.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EmbeddedHTTPServer
    timeout = 600
    # Headers and body go out in separate writes; Nagle + delayed ACK would add 40 ms to each.
    disable_nagle_algorithm = True
    # Buffered: a response's status line, headers and body leave in one TLS record at the
    # flush ending each request (streams flush each event themselves).
    wbufsize = 64 * 1024

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(30)
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self.server.router.handle(self, "GET")

    def do_HEAD(self) -> None:
        self.server.router.handle(self, "HEAD")

    def do_POST(self) -> None:
        self.server.router.handle(self, "POST")

    def do_PUT(self) -> None:
        self.server.router.handle(self, "PUT")

    def do_PATCH(self) -> None:
        self.server.router.handle(self, "PATCH")

    def do_DELETE(self) -> None:
        self.server.router.handle(self, "DELETE")


class EmbeddedHTTPServer(ThreadingHTTPServer):
    """An HTTPS server bound to 127.0.0.1, carrying its router.

    The TLS handshake runs in each connection's own thread (not in the accept loop), so a slow
    or broken client cannot hold up others.
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, port: int, router: Router, certificates: ServingCertificates) -> None:
        self.router = router
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(certificates.cert_path, certificates.key_path)
        context.set_alpn_protocols(["http/1.1"])
        self.socket = context.wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False
        )

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        """Stop listening and drop every open connection, keep-alive and watches included,
        as a stopped kube-apiserver does: clients must see the server go, not keep talking
        to a half-stopped one."""
        super().server_close()
        with self._open_lock:
            still_open = list(self._open)
        for connection in still_open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Broken connections (failed handshakes, resets) are the client's business."""
        log.debug("connection from %s failed", client_address, exc_info=True)
