"""Label and field selectors with kube-apiserver's grammar and errors.

``kubectl get -l``, ``rollout status`` and ``wait`` (which watch with
``fieldSelector=metadata.name=...``), ``describe`` (events by ``involvedObject.*``), and every
controller (pods of a ReplicaSet) filter through these, so unsupported field labels are
rejected with the same 400 a real cluster gives instead of being silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gitops_tui.cluster.embedded.errors import bad_request
from gitops_tui.cluster.embedded.registry import ResourceType

_TOKEN = re.compile(r"\s*(!=|==|=|\(|\)|,|!|[^\s!=(),]+)")


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # in, notin, exists, !exists, =, !=, gt, lt
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.operator in ("=", "in"):
            return present and value in self.values
        if self.operator in ("!=", "notin"):
            return not present or value not in self.values
        if self.operator == "exists":
            return present
        if self.operator == "!exists":
            return not present
        if self.operator in ("gt", "lt") and present and value is not None:
            try:
                left, right = int(value), int(self.values[0])
            except ValueError:
                return False
            return left > right if self.operator == "gt" else left < right
        return False


@dataclass(frozen=True)
class LabelSelector:
    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        return all(req.matches(labels) for req in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements


EVERYTHING = LabelSelector()


def parse_label_selector(text: str | None) -> LabelSelector:
    """Parse ``app=web,tier in (a,b),!legacy`` style selectors; 400 on bad syntax."""
    if not text or not text.strip():
        return EVERYTHING
    tokens = [t for t in _TOKEN.findall(text) if t]
    reqs: list[Requirement] = []
    pos = 0

    def fail(why: str) -> Exception:
        return bad_request(f'unable to parse requirement: {why}: "{text}"')

    while pos < len(tokens):
        negate = tokens[pos] == "!"
        if negate:
            pos += 1
        if pos >= len(tokens):
            raise fail("found '', expected: identifier")
        key = tokens[pos]
        pos += 1
        if negate:
            reqs.append(Requirement(key, "!exists"))
        elif pos >= len(tokens) or tokens[pos] == ",":
            reqs.append(Requirement(key, "exists"))
        elif tokens[pos] in ("=", "==", "!="):
            op = "!=" if tokens[pos] == "!=" else "="
            pos += 1
            value = ""
            if pos < len(tokens) and tokens[pos] != ",":
                value = tokens[pos]
                pos += 1
            reqs.append(Requirement(key, op, (value,)))
        elif tokens[pos] in ("in", "notin"):
            op = tokens[pos]
            pos += 1
            if pos >= len(tokens) or tokens[pos] != "(":
                raise fail(f"found '{tokens[pos] if pos < len(tokens) else ''}', expected: '('")
            pos += 1
            values: list[str] = []
            while pos < len(tokens) and tokens[pos] != ")":
                if tokens[pos] != ",":
                    values.append(tokens[pos])
                pos += 1
            if pos >= len(tokens):
                raise fail("found '', expected: ')'")
            pos += 1
            reqs.append(Requirement(key, op, tuple(values)))
        elif tokens[pos] in ("gt", "lt"):
            op = tokens[pos]
            reqs.append(
                Requirement(key, op, (tokens[pos + 1],) if pos + 1 < len(tokens) else ("",))
            )
            pos += 2
        else:
            raise fail(f"found '{tokens[pos]}', expected: in, notin, =, ==, !=, gt, lt")
        if pos < len(tokens):
            if tokens[pos] != ",":
                raise fail(f"found '{tokens[pos]}', expected: ','")
            pos += 1
    return LabelSelector(tuple(reqs))


def selector_from_label_selector(spec: Mapping[str, Any] | None) -> LabelSelector | None:
    """A ``metav1.LabelSelector`` object as a selector; None (matches nothing) for null."""
    if spec is None:
        return None
    reqs = [Requirement(k, "=", (v,)) for k, v in sorted((spec.get("matchLabels") or {}).items())]
    for expr in spec.get("matchExpressions") or ():
        op = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!exists"}[
            expr["operator"]
        ]
        reqs.append(Requirement(expr["key"], op, tuple(expr.get("values") or ())))
    return LabelSelector(tuple(reqs))


def _path(*keys: str) -> Callable[[Mapping[str, Any]], str]:
    def get(obj: Mapping[str, Any]) -> str:
        node: Any = obj
        for key in keys:
            node = node.get(key) if isinstance(node, Mapping) else None
        if node is None:
            return ""
        if isinstance(node, bool):
            return "true" if node else "false"
        return str(node)

    return get


_COMMON_FIELDS = {
    "metadata.name": _path("metadata", "name"),
    "metadata.namespace": _path("metadata", "namespace"),
}

#: Per-kind field labels kube-apiserver supports (pkg/registry/*/strategy.go GetAttrs).
_KIND_FIELDS: dict[str, dict[str, Callable[[Mapping[str, Any]], str]]] = {
    "Pod": {
        "spec.nodeName": _path("spec", "nodeName"),
        "spec.restartPolicy": _path("spec", "restartPolicy"),
        "spec.schedulerName": _path("spec", "schedulerName"),
        "spec.serviceAccountName": _path("spec", "serviceAccountName"),
        "spec.hostNetwork": _path("spec", "hostNetwork"),
        "status.phase": _path("status", "phase"),
        "status.podIP": _path("status", "podIP"),
        "status.nominatedNodeName": _path("status", "nominatedNodeName"),
    },
    "Event": {
        "involvedObject.kind": _path("involvedObject", "kind"),
        "involvedObject.namespace": _path("involvedObject", "namespace"),
        "involvedObject.name": _path("involvedObject", "name"),
        "involvedObject.uid": _path("involvedObject", "uid"),
        "involvedObject.apiVersion": _path("involvedObject", "apiVersion"),
        "involvedObject.resourceVersion": _path("involvedObject", "resourceVersion"),
        "involvedObject.fieldPath": _path("involvedObject", "fieldPath"),
        "reason": _path("reason"),
        "reportingComponent": _path("reportingComponent"),
        "source": _path("source", "component"),
        "type": _path("type"),
    },
    "Secret": {"type": _path("type")},
    "Namespace": {"status.phase": _path("status", "phase")},
    "ReplicaSet": {"status.replicas": _path("status", "replicas")},
    "Job": {"status.successful": _path("status", "succeeded")},
}


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    equal: bool
    value: str
    getter: Callable[[Mapping[str, Any]], str]

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return (self.getter(obj) == self.value) == self.equal


@dataclass(frozen=True)
class FieldSelector:
    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return all(req.matches(obj) for req in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements


def parse_field_selector(text: str | None, rt: ResourceType) -> FieldSelector:
    """Parse ``metadata.name=web,status.phase!=Running``; unsupported labels are a 400."""
    if not text or not text.strip():
        return FieldSelector()
    supported = dict(_COMMON_FIELDS)
    supported.update(_KIND_FIELDS.get(rt.kind, {}) if not rt.is_custom else {})
    reqs = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"([^=!]+?)\s*(==|!=|=)\s*(.*)", part)
        if match is None:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        field, op, value = match.groups()
        getter = supported.get(field)
        if getter is None:
            raise bad_request(f"field label not supported: {field}")
        reqs.append(FieldRequirement(field, op != "!=", value, getter))
    return FieldSelector(tuple(reqs))
