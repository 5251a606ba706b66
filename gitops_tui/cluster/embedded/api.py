"""The verbs of the Kubernetes API with kube-apiserver's semantics, independent of HTTP.

The HTTP layer and the built-in controllers both go through :class:`ClusterAPI`, so a
controller's status write gets a resourceVersion, managedFields and a watch event exactly like
a client's write would. The write path mirrors apiserver's: decode -> reset server-owned fields
-> default -> field manager -> validate -> generation -> store (skipped for ``dryRun=All``).
"""

from __future__ import annotations

import base64
import builtins
import ipaddress
import json
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from gitops_tui.cluster.embedded import errors, fieldmanager, patching
from gitops_tui.cluster.embedded.admission import admit_new
from gitops_tui.cluster.embedded.defaults import apply_defaults
from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.meta import (
    SERVER_METADATA,
    deep_copy,
    labels_of,
    new_uid,
    rfc3339,
    spec_of,
    tracks_generation,
)
from gitops_tui.cluster.embedded.registry import Registry, ResourceType, custom_types_from_crd
from gitops_tui.cluster.embedded.selectors import (
    EVERYTHING,
    FieldSelector,
    LabelSelector,
    selector_from_label_selector,
)
from gitops_tui.cluster.embedded.store import Key, Store, TooOldResourceVersion, WatchEvent
from gitops_tui.cluster.embedded.validation import unknown_fields, validate

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Kinds whose delete answers the deleted object rather than a Status.
RETURNS_DELETED_OBJECT = frozenset({"Pod", "Service", "Namespace", "CustomResourceDefinition"})
#: Kinds whose default propagation is orphan (kept for backwards compatibility in batch/v1).
ORPHAN_BY_DEFAULT = frozenset({"Job"})


# Kinds whose status strategy keeps the writer's annotations (apps, batch and Pod strategies).
_STATUS_WRITES_ANNOTATIONS = frozenset(
    {
        ("apps", "Deployment"),
        ("apps", "ReplicaSet"),
        ("apps", "StatefulSet"),
        ("apps", "DaemonSet"),
        ("batch", "Job"),
        ("batch", "CronJob"),
        ("", "Pod"),
    }
)


@dataclass(frozen=True)
class WriteOptions:
    """Query parameters shared by create, update and patch."""

    dry_run: bool = False
    field_manager: str = ""
    field_validation: str = "Warn"  # Strict | Warn | Ignore
    force: bool = False


@dataclass
class WriteResult:
    object: dict[str, Any]
    created: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DeleteOptions:
    propagation_policy: str | None = None
    grace_period_seconds: int | None = None
    preconditions_uid: str | None = None
    preconditions_rv: str | None = None
    dry_run: bool = False

    @classmethod
    def from_body(cls, body: dict[str, Any] | None, dry_run: bool) -> DeleteOptions:
        body = body or {}
        policy = body.get("propagationPolicy")
        if policy is None and body.get("orphanDependents") is not None:
            policy = "Orphan" if body["orphanDependents"] else "Background"
        pre = body.get("preconditions") or {}
        return cls(
            propagation_policy=policy,
            grace_period_seconds=body.get("gracePeriodSeconds"),
            preconditions_uid=pre.get("uid"),
            preconditions_rv=pre.get("resourceVersion"),
            dry_run=dry_run or "All" in (body.get("dryRun") or ()),
        )


def key_of(rt: ResourceType, namespace: str | None, name: str) -> Key:
    return (rt.group, rt.plural, namespace or "" if rt.namespaced else "", name)


class ClusterAPI:
    """Every read and write of the embedded cluster."""

    def __init__(self, store: Store, registry: Registry, service_cidr: str = "10.96.0.0/12"):
        self.store = store
        self.registry = registry
        self._service_net = ipaddress.ip_network(service_cidr)
        self._rng = random.Random()  # noqa: S311 - cluster IPs need not be unpredictable
        self._crd_lock = threading.Lock()
        for crd in store.items("apiextensions.k8s.io", "customresourcedefinitions"):
            self._serve_crd(crd)

    def namespace_type(self) -> ResourceType:
        rt = self.registry.lookup("", "v1", "namespaces")
        assert rt is not None
        return rt

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> dict[str, Any]:
        obj = self.store.get(key_of(rt, namespace, name))
        if obj is None:
            raise errors.not_found(rt, name)
        return obj

    def find(self, rt: ResourceType, namespace: str | None, name: str) -> dict[str, Any] | None:
        return self.store.get(key_of(rt, namespace, name))

    def list(
        self,
        rt: ResourceType,
        namespace: str | None,
        labels: LabelSelector = EVERYTHING,
        fields: FieldSelector | None = None,
        limit: int = 0,
        continue_token: str | None = None,
    ) -> dict[str, Any]:
        """A ``<Kind>List`` with kube-apiserver's paging (``limit`` / ``continue``)."""
        with self.store.lock:
            rv = self.store.resource_version
            items = self.store.items(rt.group, rt.plural, namespace if rt.namespaced else None)
        start_after: tuple[str, str] | None = None
        if continue_token:
            try:
                decoded = json.loads(base64.urlsafe_b64decode(continue_token.encode()))
                start_after = (decoded["ns"], decoded["name"])
                rv = int(decoded["rv"])
            except (ValueError, KeyError, TypeError) as exc:
                raise errors.bad_request(f"continue key is not valid: {exc}") from exc
        selected: list[dict[str, Any]] = []
        next_token = None
        remaining = 0
        for obj in items:
            meta = obj["metadata"]
            if start_after and (meta.get("namespace", ""), meta["name"]) <= start_after:
                continue
            if not labels.matches(meta.get("labels")):
                continue
            if fields is not None and not fields.matches(obj):
                continue
            if limit and len(selected) >= limit:
                remaining += 1
                continue
            selected.append(obj)
        if remaining:
            last = selected[-1]["metadata"]
            next_token = base64.urlsafe_b64encode(
                json.dumps(
                    {"rv": rv, "ns": last.get("namespace", ""), "name": last["name"]}
                ).encode()
            ).decode()
        list_meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if next_token:
            list_meta["continue"] = next_token
            list_meta["remainingItemCount"] = remaining
        return {
            "kind": rt.list_kind,
            "apiVersion": rt.api_version,
            "metadata": list_meta,
            "items": [self._list_item(rt, obj) for obj in selected],
        }

    @staticmethod
    def _list_item(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        if rt.is_custom:
            return obj
        # Typed lists carry no TypeMeta on their items.
        return {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}

    def create(
        self,
        rt: ResourceType,
        namespace: str | None,
        body: dict[str, Any],
        opts: WriteOptions,
    ) -> WriteResult:
        obj = self._decode_body(rt, body, opts)
        warnings = self._unknown_field_check(rt, obj, opts)
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise errors.bad_request("metadata must be an object")
        if rt.namespaced:
            body_ns = meta.get("namespace")
            if body_ns and namespace and body_ns != namespace:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent on "
                    "the request"
                )
            meta["namespace"] = namespace or body_ns or "default"
        else:
            meta.pop("namespace", None)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + _random_suffix(self._rng)
        name = meta.get("name") or ""
        with self.store.lock:
            if rt.namespaced:
                self._check_namespace_open(rt, meta["namespace"], name)
            if name and self.store.get(key_of(rt, meta.get("namespace"), name)) is not None:
                raise errors.already_exists(rt, name)
            stored = self._prepare_new(rt, obj)
            stored = _record_update(
                None,
                stored,
                manager=opts.field_manager,
                schema=rt.schema(),
                api_version=rt.api_version,
                now=rfc3339(),
                reset_fields=self._reset_fields(rt, ""),
            )
            self._validate(rt, stored, None)
            return WriteResult(self._save(rt, stored, opts.dry_run), True, warnings)

    def replace(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        body: dict[str, Any],
        opts: WriteOptions,
        subresource: str = "",
    ) -> WriteResult:
        """PUT: a whole new object (or its status / scale); a stale resourceVersion is a 409."""
        if subresource == "scale":
            return self._write_scale(rt, namespace, name, body, opts)
        obj = self._decode_body(rt, body, opts)
        warnings = self._unknown_field_check(rt, obj, opts)
        meta = obj.setdefault("metadata", {})
        if meta.get("name") not in (None, name):
            raise errors.bad_request(
                f"the name of the object ({meta.get('name')}) does not match the name on the URL "
                f"({name})"
            )
        meta["name"] = name
        with self.store.lock:
            old = self.store.get(key_of(rt, namespace, name))
            if old is None:
                if subresource or rt.kind == "Namespace":
                    raise errors.not_found(rt, name)
                # PUT creates when the object does not exist, as apiserver's update-or-create.
                return self.create(rt, namespace, obj, opts)
            sent_rv = meta.get("resourceVersion")
            if sent_rv and sent_rv != old["metadata"]["resourceVersion"]:
                raise errors.conflict(rt, name)
            result = self._update(rt, old, obj, opts, subresource, "update")
            result.warnings[:0] = warnings
            return result

    def patch(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        content_type: str,
        raw: bytes,
        opts: WriteOptions,
        subresource: str = "",
    ) -> WriteResult:
        if content_type not in PATCH_TYPES:
            raise errors.unsupported_media_type(content_type, PATCH_TYPES)
        if content_type == STRATEGIC_PATCH and rt.is_custom:
            raise errors.unsupported_media_type(
                content_type, (JSON_PATCH, MERGE_PATCH, APPLY_PATCH)
            )
        body = _parse_patch_body(raw, content_type)
        if subresource == "scale":
            with self.store.lock:
                scale = self.scale_of(rt, self.get(rt, namespace, name))
                patched = self._apply_patch(rt, scale, content_type, body, scale_schema=True)
                return self._write_scale(rt, namespace, name, patched, opts)
        if content_type == APPLY_PATCH:
            return self._server_side_apply(rt, namespace, name, body, opts, subresource)
        with self.store.lock:
            old = self.get(rt, namespace, name)
            patched = self._apply_patch(rt, old, content_type, body)
            warnings = self._unknown_field_check(rt, patched, opts)
            sent_rv = (patched.get("metadata") or {}).get("resourceVersion")
            if sent_rv and sent_rv != old["metadata"]["resourceVersion"]:
                raise errors.conflict(rt, name)
            result = self._update(rt, old, patched, opts, subresource, "patch")
            result.warnings[:0] = warnings
            return result

    def _apply_patch(
        self,
        rt: ResourceType,
        target: dict[str, Any],
        content_type: str,
        body: Any,
        scale_schema: bool = False,
    ) -> dict[str, Any]:
        try:
            if content_type == JSON_PATCH:
                return patching.json_patch(target, body)
            if content_type == MERGE_PATCH:
                return patching.json_merge_patch(target, body)
            if not isinstance(body, dict):
                raise errors.bad_request("strategic merge patch must be a JSON object")
            schema = self.registry_scale_schema() if scale_schema else rt.schema()
            return patching.strategic_merge_patch(target, body, schema)
        except patching.PatchError as exc:
            raise APIError(exc.code, exc.reason or "", exc.message, exc.details) from exc

    @staticmethod
    def registry_scale_schema() -> Any:
        from gitops_tui.cluster.embedded.schema import builtin_root

        return builtin_root("io.k8s.api.autoscaling.v1.Scale")

    def _server_side_apply(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        body: Any,
        opts: WriteOptions,
        subresource: str,
    ) -> WriteResult:
        if not opts.field_manager:
            raise errors.bad_request("PATCH with apply requires fieldManager")
        if not isinstance(body, dict):
            raise errors.bad_request("apply patch must be a YAML or JSON object")
        meta = body.get("metadata") or {}
        if meta.get("name") not in (None, name):
            raise errors.bad_request(
                f"the name of the object ({meta.get('name')}) does not match the name on the URL "
                f"({name})"
            )
        if body.get("apiVersion") != rt.api_version or body.get("kind") != rt.kind:
            raise errors.bad_request(
                f"invalid object type: {body.get('apiVersion')}, Kind={body.get('kind')}"
            )
        if "managedFields" in meta:
            raise errors.bad_request("metadata.managedFields must be nil")
        schema = rt.schema()
        problems = unknown_fields(schema, body)
        warnings: list[str] = []
        if problems and opts.field_validation == "Strict":
            raise errors.bad_request(
                "\n".join(f".{p.lstrip('.')}: field not declared in schema" for p in problems)
            )
        if problems and opts.field_validation == "Warn":
            warnings = [f'unknown field "{p.lstrip(".")}"' for p in problems]
        with self.store.lock:
            live = self.store.get(key_of(rt, namespace, name))
            if live is None and subresource:
                raise errors.not_found(rt, name)
            try:
                merged = fieldmanager.apply(
                    live,
                    body,
                    manager=opts.field_manager,
                    force=opts.force,
                    schema=schema,
                    api_version=rt.api_version,
                    now=rfc3339(),
                    reset_fields=self._reset_fields(rt, subresource),
                    subresource=subresource,
                )
            except fieldmanager.ApplyConflictError as exc:
                raise errors.apply_conflict(exc.message, exc.causes) from exc
            except fieldmanager.FieldManagerError as exc:
                raise _field_manager_failure(exc) from exc
            if live is None:
                merged.setdefault("metadata", {})["name"] = name
                if rt.namespaced:
                    merged["metadata"]["namespace"] = namespace or "default"
                    self._check_namespace_open(rt, merged["metadata"]["namespace"], name)
                stored = self._prepare_new(rt, merged)
                self._validate(rt, stored, None)
                return WriteResult(self._save(rt, stored, opts.dry_run), True, warnings)
            result = self._finish_update(rt, live, merged, opts, subresource)
            result.warnings[:0] = warnings
            return result

    def _update(
        self,
        rt: ResourceType,
        old: dict[str, Any],
        new: dict[str, Any],
        opts: WriteOptions,
        subresource: str,
        operation: str,
    ) -> WriteResult:
        new = self._merge_subresource(rt, old, new, subresource)
        apply_defaults(rt, new)
        new = _record_update(
            old,
            new,
            manager=opts.field_manager,
            schema=rt.schema(),
            api_version=rt.api_version,
            now=rfc3339(),
            reset_fields=self._reset_fields(rt, subresource),
            subresource=subresource,
        )
        return self._finish_update(rt, old, new, opts, subresource, defaulted=True)

    def _finish_update(
        self,
        rt: ResourceType,
        old: dict[str, Any],
        new: dict[str, Any],
        opts: WriteOptions,
        subresource: str,
        defaulted: bool = False,
    ) -> WriteResult:
        if not defaulted:
            new = self._merge_subresource(rt, old, new, subresource)
            apply_defaults(rt, new)
        meta = new.setdefault("metadata", {})
        old_meta = old["metadata"]
        for name in SERVER_METADATA:
            if name in old_meta:
                meta[name] = old_meta[name]
            else:
                meta.pop(name, None)
        meta["name"] = old_meta["name"]
        if rt.namespaced:
            meta["namespace"] = old_meta["namespace"]
        new["apiVersion"], new["kind"] = rt.api_version, rt.kind
        if old_meta.get("deletionTimestamp"):
            _check_finalizers_only_removed(rt, old, new)
        if rt.kind == "Service":
            self._keep_service_allocations(old, new)
        if subresource != "status" and tracks_generation(rt) and _generation_changes(rt, old, new):
            meta["generation"] = int(old_meta.get("generation", 1)) + 1
        self._validate(rt, new, old)
        if _same_object(old, new):
            return WriteResult(old)
        if old_meta.get("deletionTimestamp") and not meta.get("finalizers"):
            if opts.dry_run:
                return WriteResult(new)
            self._remove(rt, new)
            return WriteResult(new)
        return WriteResult(self._save(rt, new, opts.dry_run))

    def _merge_subresource(
        self, rt: ResourceType, old: dict[str, Any], new: dict[str, Any], subresource: str
    ) -> dict[str, Any]:
        """Writes to the main resource keep the old status; status writes keep the rest."""
        if subresource == "status":
            merged = deep_copy(old)
            merged["metadata"]["resourceVersion"] = new.get("metadata", {}).get(
                "resourceVersion", old["metadata"]["resourceVersion"]
            )
            if "status" in new:
                merged["status"] = new["status"]
            else:
                merged.pop("status", None)
            if new.get("metadata", {}).get("managedFields") is not None:
                merged["metadata"]["managedFields"] = new["metadata"]["managedFields"]
            if (rt.group, rt.kind) in _STATUS_WRITES_ANNOTATIONS:
                # These status strategies reset only spec and labels (ResetObjectMetaForStatus
                # is not used), which is how the deployment controller records its revision.
                annotations = new.get("metadata", {}).get("annotations")
                if annotations:
                    merged["metadata"]["annotations"] = annotations
                else:
                    merged["metadata"].pop("annotations", None)
            return merged
        if "status" in rt.subresources and rt.kind != "Namespace":
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        return new

    @staticmethod
    def _reset_fields(rt: ResourceType, subresource: str) -> frozenset[str]:
        if subresource == "status":
            return frozenset({"spec"})
        if "status" in rt.subresources:
            return frozenset({"status"})
        return frozenset()

    def _decode_body(self, rt: ResourceType, body: Any, opts: WriteOptions) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise errors.bad_request(
                f"the object provided is unrecognized (must be of type {rt.kind}): "
                "couldn't get version/kind; json parse error"
            )
        obj = deep_copy(body)
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if (api_version and api_version != rt.api_version) or (kind and kind != rt.kind):
            raise errors.bad_request(
                f"the API version in the data ({api_version}) does not match the expected API "
                f"version ({rt.api_version})"
                if api_version != rt.api_version
                else f"the kind in the data ({kind}) does not match the expected kind ({rt.kind})"
            )
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        return obj

    def _unknown_field_check(
        self, rt: ResourceType, obj: dict[str, Any], opts: WriteOptions
    ) -> builtins.list[str]:
        if opts.field_validation == "Ignore":
            return []
        problems = unknown_fields(rt.schema(), obj)
        if not problems:
            return []
        quoted = [f'unknown field "{p.lstrip(".")}"' for p in problems]
        if opts.field_validation == "Strict":
            raise errors.bad_request(
                f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                f"strict decoding error: {', '.join(quoted)}"
            )
        return quoted

    def _check_namespace_open(self, rt: ResourceType, namespace: str, name: str) -> None:
        ns = self.store.get(key_of(self.namespace_type(), None, namespace))
        if ns is None:
            raise errors.namespace_not_found(namespace)
        if ns["metadata"].get("deletionTimestamp"):
            raise errors.forbidden_terminating(rt, name, namespace)

    def _prepare_new(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """Server-set metadata and the per-kind PrepareForCreate work, then defaults."""
        meta = obj.setdefault("metadata", {})
        for name in SERVER_METADATA:
            meta.pop(name, None)
        meta["uid"] = new_uid()
        meta["creationTimestamp"] = rfc3339()
        if tracks_generation(rt):
            meta["generation"] = 1
        if "status" in rt.subresources and rt.kind not in ("Namespace",):
            obj.pop("status", None)
        if rt.kind == "Namespace":
            meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta.get("name", "")
            obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
            obj["status"] = {"phase": "Active"}
        elif rt.kind == "Service":
            self._allocate_service(obj)
        elif rt.kind == "Pod":
            obj["status"] = {"phase": "Pending", "qosClass": _qos_class(obj)}
        elif rt.kind == "CustomResourceDefinition":
            obj.pop("status", None)
        admit_new(rt.kind, obj, self._rng)
        apply_defaults(rt, obj)
        return obj

    def _validate(self, rt: ResourceType, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
        problems = validate(rt, obj, old)
        if problems:
            raise errors.invalid(rt, obj.get("metadata", {}).get("name", ""), problems)

    def _save(self, rt: ResourceType, obj: dict[str, Any], dry_run: bool) -> dict[str, Any]:
        if dry_run:
            return obj
        with self.store.lock:
            obj["metadata"]["resourceVersion"] = str(self.store.next_resource_version())
            key = key_of(rt, obj["metadata"].get("namespace"), obj["metadata"]["name"])
            self.store.put(key, obj)
            if rt.kind == "CustomResourceDefinition":
                obj = self._establish_crd(obj)
        return obj

    def _remove(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        with self.store.lock:
            final = deep_copy(obj)
            final["metadata"]["resourceVersion"] = str(self.store.next_resource_version())
            self.store.remove(
                key_of(rt, obj["metadata"].get("namespace"), obj["metadata"]["name"]), final
            )
            if rt.kind == "CustomResourceDefinition":
                self._unserve_crd(obj)

    def delete(
        self, rt: ResourceType, namespace: str | None, name: str, options: DeleteOptions
    ) -> tuple[int, dict[str, Any]]:
        """Delete as apiserver does: immediate, or deferred behind finalizers (202)."""
        with self.store.lock:
            obj = self.get(rt, namespace, name)
            meta = obj["metadata"]
            if options.preconditions_uid and options.preconditions_uid != meta["uid"]:
                raise errors.conflict_with(
                    rt,
                    name,
                    f"Precondition failed: UID in precondition: {options.preconditions_uid}, "
                    f"UID in object meta: {meta['uid']}",
                )
            if options.preconditions_rv and options.preconditions_rv != meta["resourceVersion"]:
                raise errors.conflict_with(
                    rt,
                    name,
                    "Precondition failed: ResourceVersion in precondition: "
                    f"{options.preconditions_rv}, ResourceVersion in object meta: "
                    f"{meta['resourceVersion']}",
                )
            policy = options.propagation_policy or (
                "Orphan" if rt.kind in ORPHAN_BY_DEFAULT else "Background"
            )
            if policy not in ("Background", "Foreground", "Orphan"):
                raise errors.APIError(
                    422,
                    "Invalid",
                    f'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported '
                    f'value: "{policy}": supported values: "Foreground", "Background", "Orphan", '
                    f'"nil"',
                )
            finalizers = list(meta.get("finalizers") or ())
            extra = {"Foreground": "foregroundDeletion", "Orphan": "orphan"}.get(policy)
            if extra and extra not in finalizers:
                finalizers.append(extra)
            graceful = rt.kind == "Pod" and options.grace_period_seconds != 0
            deferred = bool(finalizers) or rt.kind == "Namespace" or graceful
            if meta.get("deletionTimestamp"):
                # A graceful deletion already under way ends when the kubelet (or anyone)
                # deletes again with gracePeriodSeconds=0 and no finalizer is left.
                if (
                    options.grace_period_seconds == 0
                    and not meta.get("finalizers")
                    and rt.kind != "Namespace"
                ):
                    if not options.dry_run:
                        self._remove(rt, obj)
                    return 200, self._deleted_body(rt, obj)
                return 202 if deferred else 200, obj
            if not deferred:
                if not options.dry_run:
                    self._remove(rt, obj)
                return 200, self._deleted_body(rt, obj)
            updated = deep_copy(obj)
            umeta = updated["metadata"]
            umeta["deletionTimestamp"] = rfc3339()
            grace = options.grace_period_seconds
            if rt.kind == "Pod":
                grace = (
                    grace
                    if grace is not None
                    else obj.get("spec", {}).get("terminationGracePeriodSeconds", 30)
                )
            umeta["deletionGracePeriodSeconds"] = grace or 0
            if finalizers:
                umeta["finalizers"] = finalizers
            if rt.kind == "Namespace":
                updated.setdefault("status", {})["phase"] = "Terminating"
            return 202 if rt.kind != "Namespace" else 200, self._save(rt, updated, options.dry_run)

    def _deleted_body(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        if rt.kind in RETURNS_DELETED_OBJECT:
            return obj
        details: dict[str, Any] = {"name": obj["metadata"]["name"]}
        if rt.group:
            details["group"] = rt.group
        details["kind"] = rt.plural
        details["uid"] = obj["metadata"]["uid"]
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": details,
        }

    def delete_collection(
        self,
        rt: ResourceType,
        namespace: str | None,
        labels: LabelSelector,
        fields: FieldSelector | None,
        options: DeleteOptions,
    ) -> dict[str, Any]:
        listed = self.list(rt, namespace, labels, fields)
        deleted = []
        for item in listed["items"]:
            meta = item["metadata"]
            try:
                self.delete(rt, meta.get("namespace"), meta["name"], options)
            except APIError as exc:
                if exc.code != 404:
                    raise
                continue
            deleted.append(self.find(rt, meta.get("namespace"), meta["name"]) or item)
        listed["items"] = [self._list_item(rt, obj) for obj in deleted]
        listed["metadata"] = {"resourceVersion": str(self.store.resource_version)}
        return listed

    def scale_of(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """The autoscaling/v1 Scale view of a workload."""
        if "scale" not in rt.subresources:
            raise errors.resource_not_found()
        meta = obj["metadata"]
        spec_path, status_path, selector_path = _scale_paths(rt)
        selector = _dig(obj, selector_path)
        if isinstance(selector, dict):
            parsed = selector_from_label_selector(selector)
            selector_text = (
                ",".join(_requirement_text(r) for r in parsed.requirements) if parsed else ""
            )
        else:
            selector_text = selector or ""
        status: dict[str, Any] = {"replicas": _dig(obj, status_path) or 0}
        if selector_text:
            status["selector"] = selector_text
        scale_meta = {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        }
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": scale_meta,
            "spec": {"replicas": _dig(obj, spec_path) or 0},
            "status": status,
        }

    def _write_scale(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        scale: Any,
        opts: WriteOptions,
    ) -> WriteResult:
        if "scale" not in rt.subresources:
            raise errors.resource_not_found()
        if not isinstance(scale, dict):
            raise errors.bad_request("Scale must be an object")
        replicas = (scale.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise errors.APIError(
                422,
                "Invalid",
                f'Scale.autoscaling "{name}" is invalid: spec.replicas: Invalid value: '
                f"{replicas}: must be greater than or equal to 0",
            )
        with self.store.lock:
            old = self.get(rt, namespace, name)
            sent_rv = (scale.get("metadata") or {}).get("resourceVersion")
            if sent_rv and sent_rv != old["metadata"]["resourceVersion"]:
                raise errors.conflict(rt, name)
            new = deep_copy(old)
            spec_path, _, _ = _scale_paths(rt)
            _set(new, spec_path, replicas)
            result = self._update(rt, old, new, opts, "scale", "update")
            result.object = self.scale_of(rt, result.object)
            return result

    def watch(
        self,
        rt: ResourceType,
        namespace: str | None,
        labels: LabelSelector,
        fields: FieldSelector | None,
        resource_version: str | None,
        send_initial_events: bool = False,
    ) -> Watch:
        """Open a watch; raises APIError(410) for a too-old resourceVersion."""
        ns = namespace if rt.namespaced else None

        def relevant(event: WatchEvent) -> bool:
            return (
                event.key[0] == rt.group
                and event.key[1] == rt.plural
                and (ns is None or event.key[2] == ns)
            )

        initial: list[dict[str, Any]] = []
        with self.store.lock:
            replay = send_initial_events or resource_version in (None, "", "0")
            since = None
            if not replay:
                try:
                    since = int(resource_version or "0")
                except ValueError as exc:
                    raise errors.bad_request(
                        f'invalid resource version: strconv.ParseUint: parsing "{resource_version}"'
                        ": invalid syntax"
                    ) from exc
            try:
                sub, backlog = self.store.subscribe(relevant, since)
            except TooOldResourceVersion as exc:
                raise errors.expired(exc.requested, exc.oldest) from exc
            if replay:
                initial = self.store.items(rt.group, rt.plural, ns)
            start_rv = self.store.resource_version
        return Watch(rt, sub, backlog, initial, labels, fields, start_rv)

    def _serve_crd(self, crd: dict[str, Any]) -> None:
        spec = crd.get("spec", {})
        group_resource = f"{spec.get('names', {}).get('plural')}.{spec.get('group')}"
        self.registry.put_custom(custom_types_from_crd(crd), group_resource)

    def _unserve_crd(self, crd: dict[str, Any]) -> None:
        spec = crd.get("spec", {})
        group_resource = f"{spec.get('names', {}).get('plural')}.{spec.get('group')}"
        for rt in [t for t in self.registry.all() if t.group_resource == group_resource]:
            for obj in self.store.items(rt.group, rt.plural):
                self._remove(rt, obj)
        self.registry.remove_custom(group_resource)

    def _establish_crd(self, crd: dict[str, Any]) -> dict[str, Any]:
        """Accept the CRD's names and serve its resources at once (status Established)."""
        self._serve_crd(crd)
        names = crd["spec"]["names"]
        accepted = {
            "plural": names["plural"],
            "singular": names.get("singular", names["kind"].lower()),
            "kind": names["kind"],
            "listKind": names.get("listKind", names["kind"] + "List"),
        }
        for optional in ("shortNames", "categories"):
            if names.get(optional):
                accepted[optional] = names[optional]
        stamp = crd["metadata"]["creationTimestamp"]
        status = {
            "conditions": [
                {
                    "type": "NamesAccepted",
                    "status": "True",
                    "lastTransitionTime": stamp,
                    "reason": "NoConflicts",
                    "message": "no conflicts found",
                },
                {
                    "type": "Established",
                    "status": "True",
                    "lastTransitionTime": stamp,
                    "reason": "InitialNamesAccepted",
                    "message": "the initial names have been accepted",
                },
            ],
            "acceptedNames": accepted,
            "storedVersions": [
                v["name"] for v in crd["spec"].get("versions", ()) if v.get("storage")
            ],
        }
        if crd.get("status") == status:
            return crd
        updated = deep_copy(crd)
        updated["status"] = status
        updated["metadata"]["resourceVersion"] = str(self.store.next_resource_version())
        rt = self.registry.lookup("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        assert rt is not None
        self.store.put(key_of(rt, None, crd["metadata"]["name"]), updated)
        return updated

    def _allocate_service(self, obj: dict[str, Any]) -> None:
        spec = obj.setdefault("spec", {})
        if spec.get("type") == "ExternalName":
            return
        if spec.get("clusterIP") in (None, ""):
            used = {s.get("spec", {}).get("clusterIP") for s in self.store.items("", "services")}
            hosts = self._service_net.num_addresses - 2
            while True:
                candidate = str(self._service_net[self._rng.randrange(2, hosts)])
                if candidate not in used:
                    break
            spec["clusterIP"] = candidate
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        if spec.get("type") in ("NodePort", "LoadBalancer"):
            used_ports = {
                p.get("nodePort")
                for s in self.store.items("", "services")
                for p in s.get("spec", {}).get("ports", ())
            }
            for port in spec.get("ports", ()):
                if not port.get("nodePort"):
                    while True:
                        candidate_port = self._rng.randrange(30000, 32768)
                        if candidate_port not in used_ports:
                            break
                    port["nodePort"] = candidate_port
                    used_ports.add(candidate_port)

    @staticmethod
    def _keep_service_allocations(old: dict[str, Any], new: dict[str, Any]) -> None:
        old_spec, spec = old.get("spec", {}), new.setdefault("spec", {})
        for name in ("clusterIP", "clusterIPs"):
            if name in old_spec and not spec.get(name):
                spec[name] = old_spec[name]
        old_ports = {(p.get("port"), p.get("protocol")): p for p in old_spec.get("ports", ())}
        if spec.get("type") in ("NodePort", "LoadBalancer"):
            for port in spec.get("ports", ()):
                before = old_ports.get((port.get("port"), port.get("protocol")))
                if not port.get("nodePort") and before and before.get("nodePort"):
                    port["nodePort"] = before["nodePort"]


class Watch:
    """An open watch: yields ``{"type", "object"}`` events until closed or timed out.

    Applies label/field selectors with transitions, as the watch cache does: an object that
    stops matching is sent as DELETED, one that starts matching as ADDED.
    """

    def __init__(
        self,
        rt: ResourceType,
        sub: Any,
        backlog: list[WatchEvent],
        initial: list[dict[str, Any]],
        labels: LabelSelector,
        fields: FieldSelector | None,
        start_rv: int,
    ) -> None:
        self.rt = rt
        self._sub = sub
        self._backlog = backlog
        self._initial = initial
        self._labels = labels
        self._fields = fields
        self.last_rv = start_rv

    def _matches(self, obj: dict[str, Any] | None) -> bool:
        if obj is None:
            return False
        if not self._labels.matches(labels_of(obj)):
            return False
        return self._fields is None or self._fields.matches(obj)

    def initial_events(self) -> Iterator[dict[str, Any]]:
        for obj in self._initial:
            if self._matches(obj):
                yield {"type": "ADDED", "object": obj}
        for event in self._backlog:
            translated = self._translate(event)
            if translated is not None:
                yield translated

    def _translate(self, event: WatchEvent) -> dict[str, Any] | None:
        self.last_rv = max(self.last_rv, event.resource_version)
        now_matches = self._matches(event.object) if event.type != "DELETED" else False
        was_matching = self._matches(event.previous)
        if event.type == "DELETED":
            return {"type": "DELETED", "object": event.object} if was_matching else None
        if now_matches and was_matching:
            return {"type": "MODIFIED", "object": event.object}
        if now_matches:
            return {"type": "ADDED", "object": event.object}
        if was_matching:
            return {"type": "DELETED", "object": event.object}
        return None

    def next(self, timeout: float) -> dict[str, Any] | None:
        """The next event, or None when ``timeout`` passes quietly. Raises EOFError when closed."""
        import queue as queue_module

        try:
            event = self._sub.events.get(timeout=timeout)
        except queue_module.Empty:
            return None
        if event is None:
            raise EOFError
        return self._translate(event)

    def bookmark(self, initial_events_end: bool = False) -> dict[str, Any]:
        meta: dict[str, Any] = {"resourceVersion": str(self.last_rv)}
        if initial_events_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return {
            "type": "BOOKMARK",
            "object": {"kind": self.rt.kind, "apiVersion": self.rt.api_version, "metadata": meta},
        }

    def close(self) -> None:
        self._sub.close()


def _generation_changes(rt: ResourceType, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Spec changes bump generation; for Deployments annotation changes too (they are copied
    to ReplicaSets, so the rollout must notice them)."""
    if spec_of(new) != spec_of(old):
        return True
    if rt.kind == "Deployment":
        return bool(old["metadata"].get("annotations") != new["metadata"].get("annotations"))
    return False


def _field_manager_failure(exc: fieldmanager.FieldManagerError) -> APIError:
    return APIError(exc.code, "BadRequest" if exc.code == 400 else "", exc.message)


def _record_update(
    live: dict[str, Any] | None, new: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    try:
        return fieldmanager.record_update(live, new, **kwargs)
    except fieldmanager.FieldManagerError as exc:
        raise _field_manager_failure(exc) from exc


def _random_suffix(rng: random.Random) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(rng.choice(alphabet) for _ in range(5))


def _qos_class(pod: dict[str, Any]) -> str:
    containers = pod.get("spec", {}).get("containers") or []
    requests_any = False
    guaranteed = bool(containers)
    for container in containers:
        resources = container.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        if requests or limits:
            requests_any = True
        for res in ("cpu", "memory"):
            if res not in limits or requests.get(res, limits[res]) != limits[res]:
                guaranteed = False
    if guaranteed:
        return "Guaranteed"
    return "Burstable" if requests_any else "BestEffort"


def _parse_patch_body(raw: bytes, content_type: str) -> Any:
    """Decode a PATCH body; apply configurations may be YAML (JSON is tried first: it is faster)."""
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError as exc:
        if content_type != APPLY_PATCH:
            raise errors.bad_request(f"error decoding patch: {exc}") from exc
    try:
        return yaml.load(raw.decode("utf-8"), Loader=_YAML_LOADER)  # noqa: S506 - safe loader
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise errors.bad_request(f"error decoding YAML: {exc}") from exc


def _same_object(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """A no-op write: nothing changed but resourceVersion (apiserver then skips the write)."""
    strip = ("resourceVersion",)
    old_meta = {k: v for k, v in old["metadata"].items() if k not in strip}
    new_meta = {k: v for k, v in new["metadata"].items() if k not in strip}
    if old_meta != new_meta:
        # managedFields timestamps alone do not make a write.
        old_mf = old_meta.pop("managedFields", None)
        new_mf = new_meta.pop("managedFields", None)
        if old_meta != new_meta or _fields_only(old_mf) != _fields_only(new_mf):
            return False
    return {k: v for k, v in old.items() if k != "metadata"} == {
        k: v for k, v in new.items() if k != "metadata"
    }


def _fields_only(entries: Any) -> Any:
    if not isinstance(entries, list):
        return entries
    return [{k: v for k, v in e.items() if k != "time"} for e in entries]


def _check_finalizers_only_removed(
    rt: ResourceType, old: dict[str, Any], new: dict[str, Any]
) -> None:
    old_f = set(old["metadata"].get("finalizers") or ())
    new_f = set(new["metadata"].get("finalizers") or ())
    if new_f - old_f:
        raise errors.APIError(
            422,
            "Invalid",
            f'{rt.kind} "{old["metadata"]["name"]}" is invalid: metadata.finalizers: Forbidden: '
            "no new finalizers can be added if the object is being deleted, found new "
            f"finalizers {sorted(new_f - old_f)!r}",
        )


def _scale_paths(rt: ResourceType) -> tuple[str, str, str]:
    if rt.crd is not None and rt.crd.get("scale"):
        scale = rt.crd["scale"]
        return (
            scale["specReplicasPath"],
            scale["statusReplicasPath"],
            scale.get("labelSelectorPath", ""),
        )
    return ".spec.replicas", ".status.replicas", ".spec.selector"


def _dig(obj: dict[str, Any], path: str) -> Any:
    node: Any = obj
    for part in [p for p in path.split(".") if p]:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _set(obj: dict[str, Any], path: str, value: Any) -> None:
    parts = [p for p in path.split(".") if p]
    node = obj
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _requirement_text(req: Any) -> str:
    if req.operator == "=":
        return f"{req.key}={req.values[0]}"
    if req.operator in ("in", "notin"):
        return f"{req.key} {req.operator} ({','.join(sorted(req.values))})"
    if req.operator == "exists":
        return str(req.key)
    return f"!{req.key}"
