"""The Endpoints controller: which Pod addresses back each Service with a selector.

Mirrors ``pkg/controller/endpoint``: for every Service with a selector an Endpoints object of
the same name lists the matching Pods that have an IP, ready ones under ``addresses`` and the
rest under ``notReadyAddresses`` (all ready with ``publishNotReadyAddresses``), with the Service
ports resolved against the Pods' named container ports, repacked into subsets that share ports.
Services without a selector keep whatever Endpoints their users write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from gitops_tui.cluster.embedded.controllers import pods as podutil
from gitops_tui.cluster.embedded.controllers.base import Context, Controller, Obj, is_kind
from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.meta import deep_copy
from gitops_tui.cluster.embedded.selectors import LabelSelector, Requirement
from gitops_tui.cluster.embedded.store import Key, WatchEvent

TRIGGER_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time"
HEADLESS_LABEL = "service.kubernetes.io/headless"


def service_selector(service: Obj) -> LabelSelector | None:
    """The Service's selector, None when it has none (its Endpoints are user-managed)."""
    selector = (service.get("spec") or {}).get("selector") or {}
    if not selector:
        return None
    return LabelSelector(tuple(Requirement(k, "=", (v,)) for k, v in sorted(selector.items())))


def find_port(pod: Obj, service_port: Obj) -> int | None:
    """``podutil.FindPort``: a numeric targetPort, or the container port of that name."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = service_port.get("protocol", "TCP")
    for container in (pod.get("spec") or {}).get("containers") or ():
        for port in container.get("ports") or ():
            if port.get("name") == target and port.get("protocol", "TCP") == protocol:
                return int(port["containerPort"])
    return None


def endpoint_port(service_port: Obj, number: int) -> Obj:
    port: dict[str, Any] = {}
    if service_port.get("name"):
        port["name"] = service_port["name"]
    port["port"] = number
    port["protocol"] = service_port.get("protocol", "TCP")
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


def endpoint_address(service: Obj, pod: Obj) -> Obj:
    spec = pod.get("spec") or {}
    address: dict[str, Any] = {"ip": pod["status"]["podIP"]}
    headless = (service.get("spec") or {}).get("clusterIP") == "None"
    if spec.get("hostname") and spec.get("subdomain") == service["metadata"]["name"] and headless:
        address["hostname"] = spec["hostname"]
    if spec.get("nodeName"):
        address["nodeName"] = spec["nodeName"]
    address["targetRef"] = {
        "kind": "Pod",
        "namespace": pod["metadata"]["namespace"],
        "name": pod["metadata"]["name"],
        "uid": pod["metadata"]["uid"],
    }
    return address


def subsets_for(service: Obj, pods: Iterable[Obj]) -> list[Obj]:
    """Ready and not-ready addresses per port set, repacked and sorted."""
    spec = service.get("spec") or {}
    publish = bool(spec.get("publishNotReadyAddresses"))
    groups: dict[str, tuple[list[Obj], list[Obj], list[Obj]]] = {}
    for pod in pods:
        if podutil.is_terminal(pod) or not (pod.get("status") or {}).get("podIP"):
            continue
        if podutil.is_terminating(pod) and not publish:
            continue
        ports = []
        for service_port in spec.get("ports") or ():
            number = find_port(pod, service_port)
            if number is not None:
                ports.append(endpoint_port(service_port, number))
        if spec.get("ports") and not ports:
            continue
        if not spec.get("ports") and spec.get("clusterIP") != "None":
            continue
        ports.sort(key=lambda p: (p.get("name", ""), p["port"], p["protocol"]))
        group = groups.setdefault(json.dumps(ports, sort_keys=True), (ports, [], []))
        ready = publish or podutil.is_ready(pod)
        group[1 if ready else 2].append(endpoint_address(service, pod))
    subsets = []
    for _, (ports, ready_list, not_ready) in sorted(groups.items()):
        subset: dict[str, Any] = {}
        if ready_list:
            subset["addresses"] = sorted(ready_list, key=_address_order)
        if not_ready:
            subset["notReadyAddresses"] = sorted(not_ready, key=_address_order)
        if ports:
            subset["ports"] = ports
        subsets.append(subset)
    return subsets


def _address_order(address: Obj) -> tuple[str, str]:
    return (address["ip"], address["targetRef"]["uid"])


def services_selecting(ctx: Context, event: WatchEvent) -> list[Key]:
    """Keys of the Services whose selector matched the Pod in ``event`` before or after."""
    namespace = event.key[2]
    label_sets = [
        (obj["metadata"].get("labels") or {})
        for obj in (event.object, event.previous)
        if obj is not None
    ]
    keys = []
    for service in ctx.list("services", namespace):
        selector = service_selector(service)
        if selector is not None and any(selector.matches(s) for s in label_sets):
            keys.append(ctx.key("services", namespace, service["metadata"]["name"]))
    return keys


class EndpointsController(Controller):
    name = "endpoints"

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        namespace = event.key[2]
        if is_kind(event, "", "services") or is_kind(event, "", "endpoints"):
            return [self.ctx.key("services", namespace, event.key[3])]
        if is_kind(event, "", "pods"):
            return services_selecting(self.ctx, event)
        return []

    def sync(self, key: Key) -> None:
        namespace, name = key[2], key[3]
        service = self.ctx.find("services", namespace, name)
        current = self.ctx.find("endpoints", namespace, name)
        if service is None:
            if current is not None:
                self.ctx.delete("endpoints", current)
            return
        selector = service_selector(service)
        if selector is None or (service.get("spec") or {}).get("type") == "ExternalName":
            return
        pods = [
            p
            for p in self.ctx.list("pods", namespace)
            if selector.matches(p["metadata"].get("labels") or {})
        ]
        subsets = subsets_for(service, pods)
        labels = dict(service["metadata"].get("labels") or {})
        if (service.get("spec") or {}).get("clusterIP") == "None":
            labels[HEADLESS_LABEL] = ""
        if (
            current is not None
            and (current.get("subsets") or []) == subsets
            and (current["metadata"].get("labels") or {}) == labels
        ):
            return
        self._write(namespace, name, current, labels, subsets)

    def _write(
        self, namespace: str, name: str, current: Obj | None, labels: Obj, subsets: list[Obj]
    ) -> None:
        body: Obj = deep_copy(current) if current is not None else {"metadata": {"name": name}}
        meta: Obj = body["metadata"]
        if labels:
            meta["labels"] = labels
        else:
            meta.pop("labels", None)
        meta.setdefault("annotations", {})[TRIGGER_ANNOTATION] = self.ctx.stamp()
        if subsets:
            body["subsets"] = subsets
        else:
            body.pop("subsets", None)
        if current is None:
            try:
                self.ctx.create("endpoints", namespace, body)
            except APIError as exc:
                if exc.reason != "AlreadyExists":
                    raise
            return
        self.ctx.update("endpoints", body)
