"""The EndpointSlice controller: the discovery.k8s.io view of each Service's backends.

kubectl (``describe service``) and kube-proxy read EndpointSlices rather than Endpoints, so,
whenever the cluster serves ``discovery.k8s.io/v1``, each Service with a selector gets slices as
``pkg/controller/endpointslice`` writes them: named ``<service>-<5 random chars>``, owned by the
Service, labelled with ``kubernetes.io/service-name`` and the managing controller, one slice per
set of ports, each endpoint with ready/serving/terminating conditions; a Service with no
backends keeps one empty placeholder slice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from gitops_tui.cluster.embedded.api import DeleteOptions, WriteOptions
from gitops_tui.cluster.embedded.controllers import pods as podutil
from gitops_tui.cluster.embedded.controllers.base import (
    CONTROLLER_MANAGER,
    Controller,
    Obj,
    is_kind,
    owner_reference,
)
from gitops_tui.cluster.embedded.controllers.endpoints import (
    HEADLESS_LABEL,
    TRIGGER_ANNOTATION,
    find_port,
    service_selector,
    services_selecting,
)
from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.meta import deep_copy
from gitops_tui.cluster.embedded.registry import ResourceType
from gitops_tui.cluster.embedded.store import Key, WatchEvent

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.k8s.io"


def slice_port(service_port: Obj, number: int) -> Obj:
    port: dict[str, Any] = {
        "name": service_port.get("name", ""),
        "port": number,
        "protocol": service_port.get("protocol", "TCP"),
    }
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


def slice_endpoint(service: Obj, pod: Obj) -> Obj:
    spec = pod.get("spec") or {}
    ready = podutil.is_ready(pod)
    terminating = podutil.is_terminating(pod)
    publish = bool((service.get("spec") or {}).get("publishNotReadyAddresses"))
    endpoint: dict[str, Any] = {
        "addresses": [pod["status"]["podIP"]],
        "conditions": {
            "ready": publish or (ready and not terminating),
            "serving": publish or ready,
            "terminating": terminating,
        },
    }
    if spec.get("hostname") and spec.get("subdomain") == service["metadata"]["name"]:
        endpoint["hostname"] = spec["hostname"]
    if spec.get("nodeName"):
        endpoint["nodeName"] = spec["nodeName"]
    endpoint["targetRef"] = {
        "kind": "Pod",
        "namespace": pod["metadata"]["namespace"],
        "name": pod["metadata"]["name"],
        "uid": pod["metadata"]["uid"],
    }
    return endpoint


def desired_slices(service: Obj, pods: Iterable[Obj]) -> dict[str, tuple[list[Obj], list[Obj]]]:
    """Port-set key -> (ports, endpoints); a lone placeholder when nothing backs the Service."""
    spec = service.get("spec") or {}
    groups: dict[str, tuple[list[Obj], list[Obj]]] = {}
    for pod in pods:
        if podutil.is_terminal(pod) or not (pod.get("status") or {}).get("podIP"):
            continue
        ports = []
        for service_port in spec.get("ports") or ():
            number = find_port(pod, service_port)
            if number is not None:
                ports.append(slice_port(service_port, number))
        ports.sort(key=lambda p: (p["name"], p["port"], p["protocol"]))
        group = groups.setdefault(json.dumps(ports, sort_keys=True), (ports, []))
        group[1].append(slice_endpoint(service, pod))
    for _, endpoints in groups.values():
        endpoints.sort(key=lambda e: (e["addresses"][0], e["targetRef"]["uid"]))
    return groups or {"": ([], [])}


def _port_key(endpoint_slice: Obj) -> str:
    return json.dumps(endpoint_slice.get("ports") or [], sort_keys=True)


class EndpointSliceController(Controller):
    name = "endpointslice"

    def _type(self) -> ResourceType | None:
        return self.ctx.api.registry.lookup("discovery.k8s.io", "v1", "endpointslices")

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        if self._type() is None:
            return []
        namespace = event.key[2]
        if is_kind(event, "", "services"):
            return [event.key]
        if is_kind(event, "discovery.k8s.io", "endpointslices"):
            labels = event.object["metadata"].get("labels") or {}
            if labels.get(MANAGED_BY_LABEL) == MANAGED_BY and labels.get(SERVICE_NAME_LABEL):
                return [self.ctx.key("services", namespace, labels[SERVICE_NAME_LABEL])]
            return []
        if is_kind(event, "", "pods"):
            return services_selecting(self.ctx, event)
        return []

    def sync(self, key: Key) -> None:
        rt = self._type()
        if rt is None:
            return
        namespace, name = key[2], key[3]
        service = self.ctx.find("services", namespace, name)
        current = [
            s
            for s in self.ctx.api.list(rt, namespace)["items"]
            if (s["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL) == name
            and (s["metadata"].get("labels") or {}).get(MANAGED_BY_LABEL) == MANAGED_BY
        ]
        selector = service_selector(service) if service is not None else None
        if service is None or selector is None:
            for stale in current:
                self._delete(rt, stale)
            return
        pods = [
            p
            for p in self.ctx.list("pods", namespace)
            if selector.matches(p["metadata"].get("labels") or {})
        ]
        by_ports = {_port_key(s): s for s in current}
        desired = desired_slices(service, pods)
        # The reconciler's finalize step: a slice about to be deleted is reused for one about
        # to be created, so a Service never shows a stale slice beside its replacement.
        stale = [s for k, s in by_ports.items() if k not in desired]
        for port_key, (ports, endpoints) in desired.items():
            existing = by_ports.get(port_key) or (stale.pop(0) if stale else None)
            self._write(rt, service, existing, ports, endpoints)
        for leftover in stale:
            self._delete(rt, leftover)

    def _labels(self, service: Obj) -> dict[str, str]:
        labels = dict(service["metadata"].get("labels") or {})
        labels[SERVICE_NAME_LABEL] = service["metadata"]["name"]
        labels[MANAGED_BY_LABEL] = MANAGED_BY
        if (service.get("spec") or {}).get("clusterIP") == "None":
            labels[HEADLESS_LABEL] = ""
        return labels

    def _write(
        self,
        rt: ResourceType,
        service: Obj,
        existing: Obj | None,
        ports: list[Obj],
        endpoints: list[Obj],
    ) -> None:
        labels = self._labels(service)
        if existing is not None:
            same = (
                (existing.get("endpoints") or []) == endpoints
                and (existing.get("ports") or []) == ports
                and existing["metadata"].get("labels") == labels
            )
            if same:
                return
            body = deep_copy(existing)
        else:
            body = {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "generateName": service["metadata"]["name"] + "-",
                    "ownerReferences": [owner_reference(service)],
                },
                "addressType": "IPv4",
            }
        meta = body["metadata"]
        meta["labels"] = labels
        meta.setdefault("annotations", {})[TRIGGER_ANNOTATION] = self.ctx.stamp()
        for field, value in (("endpoints", endpoints), ("ports", ports)):
            if value:
                body[field] = value
            else:
                body.pop(field, None)
        options = WriteOptions(field_manager=CONTROLLER_MANAGER)
        namespace = service["metadata"]["namespace"]
        if existing is None:
            self.ctx.api.create(rt, namespace, body, options)
        else:
            self.ctx.api.replace(rt, namespace, meta["name"], body, options)

    def _delete(self, rt: ResourceType, endpoint_slice: Obj) -> None:
        meta = endpoint_slice["metadata"]
        try:
            self.ctx.api.delete(
                rt, meta["namespace"], meta["name"], DeleteOptions(preconditions_uid=meta["uid"])
            )
        except APIError as exc:
            if exc.code not in (404, 409):
                raise
