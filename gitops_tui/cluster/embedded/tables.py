"""Server-side printing: the ``meta.k8s.io/v1`` Table that ``kubectl get`` asks for.

``kubectl get`` sends ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io`` and prints
whatever columns and cells the server returns, so every column definition, cell text and
``<none>``/``<unknown>`` placeholder here is what kube-apiserver v1.37 produces:

* built-in kinds follow ``pkg/printers/internalversion/printers.go`` (always in "wide" mode,
  as the apiserver's ``TableConvertor`` asks; kubectl hides ``priority > 0`` columns itself);
* custom resources follow apiextensions-apiserver's ``tableconvertor`` (the CRD version's
  ``additionalPrinterColumns`` evaluated with client-go JSONPath, or NAME + AGE when none);
* every other kind, Roles and CRDs included, gets ``rest.NewDefaultTableConvertor``'s
  NAME + CREATED AT.

Column descriptions are the Go types' ``SwaggerDoc()`` texts. Those of served types come from
the bundled OpenAPI definitions (the same comments); those of long-removed beta types the
printers still quote (``extensions/v1beta1`` and friends) are copied below.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from gitops_tui.cluster.embedded.errors import bad_request
from gitops_tui.cluster.embedded.registry import ResourceType
from gitops_tui.cluster.embedded.schema import OBJECT_META, definitions

Object = Mapping[str, Any]
Cells = list[Any]
CellsFn = Callable[[Object, datetime], Cells]

#: includeObject values; the empty string means Metadata, as in metav1.TableOptions.
_INCLUDE_OBJECT = ("", "None", "Metadata", "Object")

_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_ZERO_TIME_RFC3339 = "0001-01-01T00:00:00Z"

# SwaggerDoc() of versions no longer served, quoted by printers.go for a few columns.
_EXT_DEPLOYMENT_SELECTOR = (
    "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be "
    "the ones affected by this deployment."
)
_EXT_REPLICASET_SELECTOR = (
    "Selector is a label query over pods that should match the replica count. If the selector "
    "is empty, it is defaulted to the labels present on the pod template. Label keys and values "
    "that must match in order to be controlled by this replica set. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"
)
_EXT_DAEMONSET_SELECTOR = (
    "A label query over pods that are managed by the daemon set. Must match in order to be "
    "controlled. If empty, defaulted to labels on Pod template. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"
)
_EXT_DAEMONSET_NUMBER_READY = (
    "The number of nodes that should be running the daemon pod and have one or more of the "
    "daemon pod running and ready."
)
_HPA_V2BETA1_METRICS = (
    "metrics contains the specifications for which to use to calculate the desired replica "
    "count (the maximum replica count across all metrics will be used).  The desired replica "
    "count is calculated multiplying the ratio between the target value and the current value "
    "by the current number of pods.  Ergo, metrics used must decrease as the pod count is "
    "increased, and vice-versa.  See the individual metric source types for more information "
    "about how each type of metric must respond."
)
_RBAC_V1BETA1_ROLEBINDING_ROLEREF = (
    "RoleRef can reference a Role in the current namespace or a ClusterRole in the global "
    "namespace. If the RoleRef cannot be resolved, the Authorizer must return an error."
)
_RBAC_V1BETA1_CLUSTERROLEBINDING_ROLEREF = (
    "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot "
    "be resolved, the Authorizer must return an error."
)
_CONTAINERS_DOC = "Names of each container in the template."
_IMAGES_DOC = "Images referenced by each container in the template."


def to_table(
    rt: ResourceType,
    objects: list[dict[str, Any]],
    *,
    list_meta: dict[str, Any],
    include_object: str = "Metadata",
    now: datetime | None = None,
) -> dict[str, Any]:
    """A meta.k8s.io/v1 Table for `objects` of type `rt` (a list or a single get, which the caller
    passes as a one-element list with list_meta {"resourceVersion": ...}). `include_object` is the
    request's `includeObject` parameter: "None", "Metadata" (default: PartialObjectMetadata with
    apiVersion meta.k8s.io/v1 kind PartialObjectMetadata carrying the object's metadata) or "Object"
    (the whole object). Rows are {"cells": [...], "object": ...}."""
    if include_object not in _INCLUDE_OBJECT:
        raise bad_request(
            "Unable to convert to Table as requested: includeObject: Invalid value: "
            f"{json.dumps(include_object)}: must be 'Metadata', 'Object', 'None', or empty"
        )
    printer = _printer_for(rt)
    moment = now or datetime.now(UTC)
    rows: list[dict[str, Any]] | None = [
        _row(printer, obj, include_object, moment) for obj in objects
    ]
    if not objects and printer.nil_rows_when_empty:
        rows = None
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": _table_metadata(list_meta),
        "columnDefinitions": [dict(column) for column in printer.columns],
        "rows": rows,
    }


def _no_conditions(_obj: Object) -> list[dict[str, str]] | None:
    return None


@dataclass(frozen=True)
class _Printer:
    columns: list[dict[str, Any]]
    cells: CellsFn
    conditions: Callable[[Object], list[dict[str, str]] | None] = _no_conditions
    #: rest.NewDefaultTableConvertor never allocates its rows, so an empty list is ``null``.
    nil_rows_when_empty: bool = False


def _row(
    printer: _Printer, obj: dict[str, Any], include_object: str, now: datetime
) -> dict[str, Any]:
    row: dict[str, Any] = {"cells": printer.cells(obj, now)}
    conditions = printer.conditions(obj)
    if conditions:
        row["conditions"] = conditions
    if include_object == "Object":
        row["object"] = obj
    elif include_object in ("Metadata", ""):
        row["object"] = {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata", {}),
        }
    else:
        row["object"] = None
    return row


def _table_metadata(list_meta: Mapping[str, Any]) -> dict[str, Any]:
    """ListMeta with its ``omitempty`` fields dropped."""
    return {
        key: list_meta[key]
        for key in ("resourceVersion", "continue", "remainingItemCount")
        if list_meta.get(key) not in (None, "")
    }


def _printer_for(rt: ResourceType) -> _Printer:
    if rt.crd is not None:
        return _custom_resource_printer(tuple(rt.crd.get("columns") or ()))
    return _builtin_printers().get((rt.group, rt.kind)) or _default_printer()


def _parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (``metav1.Time``/``MicroTime``); None for unset or unparsable."""
    match = _RFC3339.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    fraction = (match.group(2) or "")[:7]  # datetime stops at microseconds
    try:
        moment = datetime.fromisoformat(match.group(1) + fraction + match.group(3))
    except ValueError:
        return None
    return moment.astimezone(UTC)


def _human_duration(delta: timedelta) -> str:
    """apimachinery ``duration.HumanDuration``: two or three significant figures."""
    seconds = int(delta.total_seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        rest = hours % 24
        return f"{days}d" if rest == 0 else f"{days}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years = days // 365
    if hours < 24 * 365 * 8:
        rest = days % 365
        return f"{years}y" if rest == 0 else f"{years}y{rest}d"
    return f"{years}y"


def _since(value: Any, now: datetime) -> str:
    """printers.go ``translateTimestampSince``."""
    moment = value if isinstance(value, datetime) else _parse_time(value)
    if moment is None:
        return "<unknown>"
    return _human_duration(now - moment)


def _age(obj: Object, now: datetime) -> str:
    return _since(_get(obj, "metadata", "creationTimestamp"), now)


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _int(obj: Any, *path: str, default: int = 0) -> int:
    value = _get(obj, *path)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _str(obj: Any, *path: str) -> str:
    value = _get(obj, *path)
    return value if isinstance(value, str) else ""


def _list(obj: Any, *path: str) -> list[Any]:
    value = _get(obj, *path)
    return value if isinstance(value, list) else []


def _name(obj: Object) -> str:
    return _str(obj, "metadata", "name")


def _format_labels(labels: Any) -> str:
    """labels.FormatLabels: sorted ``k=v`` pairs, ``<none>`` when empty."""
    if not isinstance(labels, Mapping) or not labels:
        return "<none>"
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def _selector_text(selector: Any) -> str | None:
    """``metav1.LabelSelectorAsSelector(s).String()``; None when the selector is invalid."""
    if not isinstance(selector, Mapping) or not selector:
        return ""
    requirements = [
        (key, f"{key}={value}") for key, value in (selector.get("matchLabels") or {}).items()
    ]
    for expr in selector.get("matchExpressions") or ():
        key, operator = expr.get("key", ""), expr.get("operator")
        values = sorted(expr.get("values") or ())
        if operator in ("In", "NotIn"):
            if not values:
                return None
            word = "in" if operator == "In" else "notin"
            requirements.append((key, f"{key} {word} ({','.join(values)})"))
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                return None
            requirements.append((key, key if operator == "Exists" else f"!{key}"))
        else:
            return None
    requirements.sort(key=lambda requirement: requirement[0])
    return ",".join(text for _, text in requirements)


def _format_label_selector(selector: Any) -> str:
    """metav1.FormatLabelSelector."""
    text = _selector_text(selector)
    if text is None:
        return "<error>"
    return text or "<none>"


def _containers(pod_spec: Any) -> tuple[str, str]:
    """layoutContainerCells: container names and images, comma separated."""
    containers = _list(pod_spec, "containers")
    names = ",".join(_str(c, "name") for c in containers)
    images = ",".join(_str(c, "image") for c in containers)
    return names, images


def _condition_true(conditions: Iterable[Any], kind: str) -> bool:
    """Whether the first condition of type `kind` has status True (hasJobCondition)."""
    for condition in conditions:
        if _get(condition, "type") == kind:
            return bool(_get(condition, "status") == "True")
    return False


def _quantity(value: Any) -> str:
    """resource.Quantity.String() of a stored quantity; ``<nil>`` for a nil pointer."""
    return "<nil>" if value is None else str(value)


def _int_or_string(value: Any) -> str:
    return "N/A" if value is None else str(value)


def _load_balancer_ingress(ingress: Iterable[Any]) -> str:
    """(ingress)loadBalancerStatusStringer in wide mode: sorted unique IPs or hostnames."""
    found = {_str(entry, "ip") or _str(entry, "hostname") for entry in ingress}
    found.discard("")
    return ",".join(sorted(found))


def _column(
    name: str, kind: str, description: str, *, priority: int = 0, fmt: str = ""
) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "format": fmt,
        "description": description,
        "priority": priority,
    }


def _doc(definition: str, field: str) -> str:
    """The SwaggerDoc text of a field of a served type, from the bundled OpenAPI definitions."""
    name = definition if definition.startswith("io.k8s.") else f"io.k8s.api.{definition}"
    description: str = definitions()[name]["properties"][field].get("description", "")
    return description


def _name_column(priority: int = 0) -> dict[str, Any]:
    return _column("Name", "string", _doc(OBJECT_META, "name"), priority=priority, fmt="name")


def _age_column() -> dict[str, Any]:
    return _column("Age", "string", _doc(OBJECT_META, "creationTimestamp"))


def _template_columns(selector_doc: str | None) -> list[dict[str, Any]]:
    columns = [
        _column("Containers", "string", _CONTAINERS_DOC, priority=1),
        _column("Images", "string", _IMAGES_DOC, priority=1),
    ]
    if selector_doc is not None:
        columns.append(_column("Selector", "string", selector_doc, priority=1))
    return columns


@functools.cache
def _builtin_printers() -> dict[tuple[str, str], _Printer]:
    return {
        ("", "Namespace"): _Printer(
            [
                _name_column(),
                _column("Status", "string", "The status of the namespace"),
                _age_column(),
            ],
            lambda o, now: [_name(o), _str(o, "status", "phase"), _age(o, now)],
        ),
        ("", "ConfigMap"): _Printer(
            [
                _name_column(),
                _column("Data", "string", _doc("core.v1.ConfigMap", "data")),
                _age_column(),
            ],
            lambda o, now: [
                _name(o),
                len(_get(o, "data") or {}) + len(_get(o, "binaryData") or {}),
                _age(o, now),
            ],
        ),
        ("", "Secret"): _Printer(
            [
                _name_column(),
                _column("Type", "string", _doc("core.v1.Secret", "type")),
                _column("Data", "string", _doc("core.v1.Secret", "data")),
                _age_column(),
            ],
            lambda o, now: [_name(o), _str(o, "type"), len(_get(o, "data") or {}), _age(o, now)],
        ),
        ("", "ServiceAccount"): _Printer(
            [_name_column(), _age_column()], lambda o, now: [_name(o), _age(o, now)]
        ),
        ("", "Service"): _Printer(_service_columns(), _service_cells),
        ("", "Pod"): _Printer(_pod_columns(), _pod_cells, conditions=_pod_row_conditions),
        ("", "Event"): _Printer(_event_columns(), _event_cells),
        ("", "Endpoints"): _Printer(
            [
                _name_column(),
                _column("Endpoints", "string", _doc("core.v1.Endpoints", "subsets")),
                _age_column(),
            ],
            lambda o, now: [_name(o), _format_endpoints(o), _age(o, now)],
        ),
        ("apps", "Deployment"): _Printer(_deployment_columns(), _deployment_cells),
        ("apps", "ReplicaSet"): _Printer(_replicaset_columns(), _replicaset_cells),
        ("apps", "StatefulSet"): _Printer(
            [
                _name_column(),
                _column("Ready", "string", "Number of the pod with ready state"),
                _age_column(),
                *_template_columns(None),
            ],
            _statefulset_cells,
        ),
        ("apps", "DaemonSet"): _Printer(_daemonset_columns(), _daemonset_cells),
        ("batch", "Job"): _Printer(_job_columns(), _job_cells),
        ("batch", "CronJob"): _Printer(_cronjob_columns(), _cronjob_cells),
        ("networking.k8s.io", "Ingress"): _Printer(_ingress_columns(), _ingress_cells),
        ("rbac.authorization.k8s.io", "RoleBinding"): _Printer(
            _binding_columns(_RBAC_V1BETA1_ROLEBINDING_ROLEREF, "roleBinding"), _binding_cells
        ),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"): _Printer(
            _binding_columns(_RBAC_V1BETA1_CLUSTERROLEBINDING_ROLEREF, "clusterRoleBinding"),
            _binding_cells,
        ),
        ("autoscaling", "HorizontalPodAutoscaler"): _Printer(_hpa_columns(), _hpa_cells),
        ("policy", "PodDisruptionBudget"): _Printer(_pdb_columns(), _pdb_cells),
    }


def _default_printer() -> _Printer:
    """rest.NewDefaultTableConvertor: NAME and the creation time as RFC 3339."""
    return _Printer(
        [
            _name_column(),
            _column("Created At", "date", _doc(OBJECT_META, "creationTimestamp")),
        ],
        lambda o, _now: [_name(o), _created_at(o)],
        nil_rows_when_empty=True,
    )


def _created_at(obj: Object) -> str:
    moment = _parse_time(_get(obj, "metadata", "creationTimestamp"))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else _ZERO_TIME_RFC3339


def _service_columns() -> list[dict[str, Any]]:
    spec = "core.v1.ServiceSpec"
    return [
        _name_column(),
        _column("Type", "string", _doc(spec, "type")),
        _column("Cluster-IP", "string", _doc(spec, "clusterIP")),
        _column("External-IP", "string", _doc(spec, "externalIPs")),
        _column("Port(s)", "string", _doc(spec, "ports")),
        _age_column(),
        _column("Selector", "string", _doc(spec, "selector"), priority=1),
    ]


def _service_cells(svc: Object, now: datetime) -> Cells:
    spec = _get(svc, "spec") or {}
    cluster_ips = _list(spec, "clusterIPs")
    ports = _service_ports(_list(spec, "ports")) or "<none>"
    return [
        _name(svc),
        _str(spec, "type"),
        cluster_ips[0] if cluster_ips else "<none>",
        _service_external_ip(svc),
        ports,
        _age(svc, now),
        _format_labels(_get(spec, "selector")),
    ]


def _service_external_ip(svc: Object) -> str:
    kind = _str(svc, "spec", "type")
    external = [str(ip) for ip in _list(svc, "spec", "externalIPs")]
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if kind == "LoadBalancer":
        balancers = _load_balancer_ingress(_list(svc, "status", "loadBalancer", "ingress"))
        if external:
            return ",".join([*(balancers.split(",") if balancers else []), *external])
        return balancers or "<pending>"
    if kind == "ExternalName":
        return _str(svc, "spec", "externalName")
    return "<unknown>"


def _service_ports(ports: Sequence[Any]) -> str:
    pieces = []
    for port in ports:
        protocol = _str(port, "protocol") or "TCP"  # defaulted on create
        node_port = _int(port, "nodePort")
        number = _int(port, "port")
        pieces.append(
            f"{number}:{node_port}/{protocol}" if node_port > 0 else f"{number}/{protocol}"
        )
    return ",".join(pieces)


def _pod_columns() -> list[dict[str, Any]]:
    return [
        _name_column(),
        _column(
            "Ready", "string", "The aggregate readiness state of this pod for accepting traffic."
        ),
        _column("Status", "string", "The aggregate status of the containers in this pod."),
        _column(
            "Restarts",
            "string",
            "The number of times the containers in this pod have been restarted and when the "
            "last container in this pod has restarted.",
        ),
        _age_column(),
        _column("IP", "string", _doc("core.v1.PodStatus", "podIP"), priority=1),
        _column("Node", "string", _doc("core.v1.PodSpec", "nodeName"), priority=1),
        _column(
            "Nominated Node", "string", _doc("core.v1.PodStatus", "nominatedNodeName"), priority=1
        ),
        _column("Readiness Gates", "string", _doc("core.v1.PodSpec", "readinessGates"), priority=1),
    ]


def _pod_row_conditions(pod: Object) -> list[dict[str, str]] | None:
    phase = _str(pod, "status", "phase")
    if phase == "Succeeded":
        message = "The pod has completed successfully."
    elif phase == "Failed":
        message = "The pod failed."
    else:
        return None
    return [{"type": "Completed", "status": "True", "reason": phase, "message": message}]


@dataclass
class _PodTally:
    """What printPod accumulates over the container statuses."""

    reason: str
    ready: int = 0
    restarts: int = 0
    last_restart: datetime | None = None
    #: Restarts of restartable ("sidecar") init containers, kept once the pod has initialized.
    sidecar_restarts: int = 0
    sidecar_last_restart: datetime | None = None


def _later(current: datetime | None, status: Any) -> datetime | None:
    """The later of `current` and when `status`'s previous run terminated."""
    finished = _parse_time(_get(status, "lastState", "terminated", "finishedAt"))
    if finished is not None and (current is None or current < finished):
        return finished
    return current


def _is_sidecar(container: Any) -> bool:
    return _str(container, "restartPolicy") == "Always"


def _terminated_reason(terminated: Mapping[str, Any], prefix: str = "") -> str:
    if terminated.get("reason"):
        return f"{prefix}{terminated['reason']}"
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


def _pod_cells(pod: Object, now: datetime) -> Cells:
    """printPod: READY, STATUS (the most telling container reason) and RESTARTS."""
    spec = _get(pod, "spec") or {}
    status = _get(pod, "status") or {}
    phase = _str(status, "phase")
    tally = _PodTally(_str(status, "reason") or phase)
    for condition in _list(status, "conditions"):
        if _get(condition, "type") == "PodScheduled" and (
            _get(condition, "reason") == "SchedulingGated"
        ):
            tally.reason = "SchedulingGated"
    init_specs = {_str(c, "name"): c for c in _list(spec, "initContainers")}
    total = len(_list(spec, "containers")) + sum(map(_is_sidecar, init_specs.values()))
    if not _tally_init_containers(status, init_specs, tally) or _pod_initialized(status):
        tally.restarts, tally.last_restart = tally.sidecar_restarts, tally.sidecar_last_restart
        _tally_containers(status, tally)
    reason = tally.reason
    if _get(pod, "metadata", "deletionTimestamp") is not None:
        if _str(status, "reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Failed", "Succeeded"):
            reason = "Terminating"
    restarts = str(tally.restarts)
    if tally.restarts and tally.last_restart is not None:
        restarts = f"{tally.restarts} ({_since(tally.last_restart, now)} ago)"
    pod_ips = _list(status, "podIPs")
    return [
        _name(pod),
        f"{tally.ready}/{total}",
        reason,
        restarts,
        _age(pod, now),
        (_str(pod_ips[0], "ip") if pod_ips else "") or "<none>",
        _str(spec, "nodeName") or "<none>",
        _str(status, "nominatedNodeName") or "<none>",
        _readiness_gates(spec, status),
    ]


def _tally_init_containers(
    status: Mapping[str, Any], init_specs: Mapping[str, Any], tally: _PodTally
) -> bool:
    """The init-container pass of printPod; True while the pod is still initializing."""
    for index, container in enumerate(_list(status, "initContainerStatuses")):
        restarts = _int(container, "restartCount")
        tally.restarts += restarts
        tally.last_restart = _later(tally.last_restart, container)
        sidecar = _is_sidecar(init_specs.get(_str(container, "name")))
        if sidecar:
            tally.sidecar_restarts += restarts
            tally.sidecar_last_restart = _later(tally.sidecar_last_restart, container)
        terminated = _get(container, "state", "terminated")
        waiting_reason = _str(container, "state", "waiting", "reason")
        if isinstance(terminated, Mapping) and _int(terminated, "exitCode") == 0:
            continue
        if sidecar and _get(container, "started") is True:
            tally.ready += bool(_get(container, "ready"))
            continue
        if isinstance(terminated, Mapping):
            tally.reason = _terminated_reason(terminated, "Init:")
        elif waiting_reason and waiting_reason != "PodInitializing":
            tally.reason = "Init:" + waiting_reason
        else:
            tally.reason = f"Init:{index}/{len(init_specs)}"
        return True
    return False


def _pod_initialized(status: Mapping[str, Any]) -> bool:
    for condition in _list(status, "conditions"):
        if _get(condition, "type") == "Initialized":
            return bool(_get(condition, "status") == "True")
    return False


def _tally_containers(status: Mapping[str, Any], tally: _PodTally) -> None:
    """The regular-container pass of printPod (last container first)."""
    has_running = False
    error_reason = ""
    for container in reversed(_list(status, "containerStatuses")):
        tally.restarts += _int(container, "restartCount")
        tally.last_restart = _later(tally.last_restart, container)
        waiting = _get(container, "state", "waiting")
        terminated = _get(container, "state", "terminated")
        if _str(waiting, "reason"):
            tally.reason = _str(waiting, "reason")
        elif isinstance(terminated, Mapping):
            tally.reason = _terminated_reason(terminated)
            if _int(terminated, "exitCode") != 0:
                error_reason = tally.reason
        elif _get(container, "ready") and _get(container, "state", "running") is not None:
            has_running = True
            tally.ready += 1
    if tally.reason == "Completed":
        if has_running and _has_ready_condition(status):
            tally.reason = "Running"
        elif error_reason:
            tally.reason = error_reason
        elif has_running:
            tally.reason = "NotReady"


def _has_ready_condition(status: Mapping[str, Any]) -> bool:
    return any(
        _get(c, "type") == "Ready" and _get(c, "status") == "True"
        for c in _list(status, "conditions")
    )


def _readiness_gates(spec: Mapping[str, Any], status: Mapping[str, Any]) -> str:
    gates = _list(spec, "readinessGates")
    if not gates:
        return "<none>"
    conditions = _list(status, "conditions")
    passed = 0
    for gate in gates:
        for condition in conditions:
            if _get(condition, "type") == _get(gate, "conditionType"):
                passed += _get(condition, "status") == "True"
                break
    return f"{passed}/{len(gates)}"


def _event_columns() -> list[dict[str, Any]]:
    event = "core.v1.Event"
    return [
        _column("Last Seen", "string", _doc(event, "lastTimestamp")),
        _column("Type", "string", _doc(event, "type")),
        _column("Reason", "string", _doc(event, "reason")),
        _column("Object", "string", _doc(event, "involvedObject")),
        _column("Subobject", "string", _doc("core.v1.ObjectReference", "fieldPath"), priority=1),
        _column("Source", "string", _doc(event, "source"), priority=1),
        _column("Message", "string", _doc(event, "message")),
        _column("First Seen", "string", _doc(event, "firstTimestamp"), priority=1),
        _column("Count", "string", _doc(event, "count"), priority=1),
        _name_column(priority=1),
    ]


def _event_cells(event: Object, now: datetime) -> Cells:
    first = _since(_get(event, "firstTimestamp"), now)
    if _parse_time(_get(event, "firstTimestamp")) is None:
        first = _since(_get(event, "eventTime"), now)
    last = _since(_get(event, "lastTimestamp"), now)
    if _parse_time(_get(event, "lastTimestamp")) is None:
        last = first
    count = _int(event, "count")
    if isinstance(_get(event, "series"), Mapping):
        last = _since(_get(event, "series", "lastObservedTime"), now)
        count = _int(event, "series", "count")
    elif count == 0:
        count = 1
    kind = _str(event, "involvedObject", "kind").lower()
    involved = _str(event, "involvedObject", "name")
    component = _str(event, "source", "component") or _str(event, "reportingComponent")
    instance = _str(event, "source", "host") or _str(event, "reportingInstance")
    return [
        last,
        _str(event, "type"),
        _str(event, "reason"),
        f"{kind}/{involved}" if involved else kind,
        _str(event, "involvedObject", "fieldPath"),
        f"{component}, {instance}" if instance else component,
        _str(event, "message").strip(),
        first,
        count,
        _name(event),
    ]


def _format_endpoints(endpoints: Object) -> str:
    subsets = _list(endpoints, "subsets")
    if not subsets:
        return "<none>"
    shown: list[str] = []
    more = False
    count = 0
    for subset in subsets:
        addresses = [_str(address, "ip") for address in _list(subset, "addresses")]
        ports = _list(subset, "ports")
        for port in ports or [None]:
            count += len(addresses)
            for ip in addresses:
                if len(shown) == 3:
                    more = True
                    break
                shown.append(ip if port is None else _join_host_port(ip, _int(port, "port")))
    text = ",".join(shown)
    return f"{text} + {count - 3} more..." if more else text


def _join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _deployment_columns() -> list[dict[str, Any]]:
    status = "apps.v1.DeploymentStatus"
    return [
        _name_column(),
        _column("Ready", "string", "Number of the pod with ready state"),
        _column("Up-to-date", "string", _doc(status, "updatedReplicas")),
        _column("Available", "string", _doc(status, "availableReplicas")),
        _age_column(),
        *_template_columns(_EXT_DEPLOYMENT_SELECTOR),
    ]


def _deployment_cells(deploy: Object, now: datetime) -> Cells:
    names, images = _containers(_get(deploy, "spec", "template", "spec"))
    selector = _selector_text(_get(deploy, "spec", "selector"))
    ready = _int(deploy, "status", "readyReplicas")
    return [
        _name(deploy),
        f"{ready}/{_int(deploy, 'spec', 'replicas', default=1)}",
        _int(deploy, "status", "updatedReplicas"),
        _int(deploy, "status", "availableReplicas"),
        _age(deploy, now),
        names,
        images,
        "<invalid>" if selector is None else selector,
    ]


def _replicaset_columns() -> list[dict[str, Any]]:
    return [
        _name_column(),
        _column("Desired", "integer", _doc("apps.v1.ReplicaSetSpec", "replicas")),
        _column("Current", "integer", _doc("apps.v1.ReplicaSetStatus", "replicas")),
        _column("Ready", "integer", _doc("apps.v1.ReplicaSetStatus", "readyReplicas")),
        _age_column(),
        *_template_columns(_EXT_REPLICASET_SELECTOR),
    ]


def _replicaset_cells(rs: Object, now: datetime) -> Cells:
    names, images = _containers(_get(rs, "spec", "template", "spec"))
    return [
        _name(rs),
        _int(rs, "spec", "replicas", default=1),
        _int(rs, "status", "replicas"),
        _int(rs, "status", "readyReplicas"),
        _age(rs, now),
        names,
        images,
        _format_label_selector(_get(rs, "spec", "selector")),
    ]


def _statefulset_cells(sts: Object, now: datetime) -> Cells:
    names, images = _containers(_get(sts, "spec", "template", "spec"))
    ready = _int(sts, "status", "readyReplicas")
    return [
        _name(sts),
        f"{ready}/{_int(sts, 'spec', 'replicas', default=1)}",
        _age(sts, now),
        names,
        images,
    ]


def _daemonset_columns() -> list[dict[str, Any]]:
    status = "apps.v1.DaemonSetStatus"
    return [
        _name_column(),
        _column("Desired", "integer", _doc(status, "desiredNumberScheduled")),
        _column("Current", "integer", _doc(status, "currentNumberScheduled")),
        _column("Ready", "integer", _EXT_DAEMONSET_NUMBER_READY),
        _column("Up-to-date", "integer", _doc(status, "updatedNumberScheduled")),
        _column("Available", "integer", _doc(status, "numberAvailable")),
        _column("Node Selector", "string", _doc("core.v1.PodSpec", "nodeSelector")),
        _age_column(),
        *_template_columns(_EXT_DAEMONSET_SELECTOR),
    ]


def _daemonset_cells(ds: Object, now: datetime) -> Cells:
    pod_spec = _get(ds, "spec", "template", "spec")
    names, images = _containers(pod_spec)
    counts = (
        "desiredNumberScheduled",
        "currentNumberScheduled",
        "numberReady",
        "updatedNumberScheduled",
        "numberAvailable",
    )
    return [
        _name(ds),
        *(_int(ds, "status", field) for field in counts),
        _format_labels(_get(pod_spec, "nodeSelector")),
        _age(ds, now),
        names,
        images,
        _format_label_selector(_get(ds, "spec", "selector")),
    ]


def _job_columns() -> list[dict[str, Any]]:
    return [
        _name_column(),
        _column("Status", "string", "Status of the job."),
        _column("Completions", "string", _doc("batch.v1.JobStatus", "succeeded")),
        _column("Duration", "string", "Time required to complete the job."),
        _age_column(),
        *_template_columns(_doc("batch.v1.JobSpec", "selector")),
    ]


_JOB_STATES = ("Suspended", "FailureTarget", "SuccessCriteriaMet")


def _job_status(job: Object) -> str:
    conditions = _list(job, "status", "conditions")
    for state in ("Complete", "Failed"):
        if _condition_true(conditions, state):
            return state
    if _get(job, "metadata", "deletionTimestamp") is not None:
        return "Terminating"
    return next((s for s in _JOB_STATES if _condition_true(conditions, s)), "Running")


def _job_cells(job: Object, now: datetime) -> Cells:
    succeeded = _int(job, "status", "succeeded")
    completions = _get(job, "spec", "completions")
    parallelism = _int(job, "spec", "parallelism")
    if isinstance(completions, int):
        done = f"{succeeded}/{completions}"
    elif parallelism > 1:
        done = f"{succeeded}/1 of {parallelism}"
    else:
        done = f"{succeeded}/1"
    start = _parse_time(_get(job, "status", "startTime"))
    completed = _parse_time(_get(job, "status", "completionTime"))
    took = ""
    if start is not None:
        took = _human_duration((completed or now) - start)
    names, images = _containers(_get(job, "spec", "template", "spec"))
    return [
        _name(job),
        _job_status(job),
        done,
        took,
        _age(job, now),
        names,
        images,
        _format_label_selector(_get(job, "spec", "selector")),
    ]


def _cronjob_columns() -> list[dict[str, Any]]:
    spec, status = "batch.v1.CronJobSpec", "batch.v1.CronJobStatus"
    return [
        _name_column(),
        _column("Schedule", "string", _doc(spec, "schedule")),
        _column("Timezone", "string", _doc(spec, "timeZone")),
        _column("Suspend", "boolean", _doc(spec, "suspend")),
        _column("Active", "integer", _doc(status, "active")),
        _column("Last Schedule", "string", _doc(status, "lastScheduleTime")),
        _age_column(),
        *_template_columns(_doc("batch.v1.JobSpec", "selector")),
    ]


def _cronjob_cells(cj: Object, now: datetime) -> Cells:
    job_spec = _get(cj, "spec", "jobTemplate", "spec")
    names, images = _containers(_get(job_spec, "template", "spec"))
    suspend = _get(cj, "spec", "suspend")
    last_schedule = _get(cj, "status", "lastScheduleTime")
    return [
        _name(cj),
        _str(cj, "spec", "schedule"),
        _str(cj, "spec", "timeZone") or "<none>",
        "<unset>" if suspend is None else ("True" if suspend else "False"),
        len(_list(cj, "status", "active")),
        "<none>" if last_schedule is None else _since(last_schedule, now),
        _age(cj, now),
        names,
        images,
        _format_label_selector(_get(job_spec, "selector")),
    ]


def _ingress_columns() -> list[dict[str, Any]]:
    return [
        _name_column(),
        _column(
            "Class",
            "string",
            "The name of the IngressClass resource that should be used for additional "
            "configuration",
        ),
        _column(
            "Hosts",
            "string",
            "Hosts that incoming requests are matched against before the ingress rule",
        ),
        _column(
            "Address",
            "string",
            "Address is a list containing ingress points for the load-balancer",
        ),
        _column("Ports", "string", "Ports of TLS configurations that open"),
        _age_column(),
    ]


def _ingress_hosts(rules: Sequence[Any]) -> str:
    """formatHosts: the first three hosts, counting the rules left over."""
    hosts: list[str] = []
    more = False
    for rule in rules:
        more = more or len(hosts) == 3
        if not more and _str(rule, "host"):
            hosts.append(_str(rule, "host"))
    if not hosts:
        return "*"
    text = ",".join(hosts)
    return f"{text} + {len(rules) - 3} more..." if more else text


def _ingress_cells(ing: Object, now: datetime) -> Cells:
    return [
        _name(ing),
        _str(ing, "spec", "ingressClassName") or "<none>",
        _ingress_hosts(_list(ing, "spec", "rules")),
        _load_balancer_ingress(_list(ing, "status", "loadBalancer", "ingress")),
        "80, 443" if _list(ing, "spec", "tls") else "80",
        _age(ing, now),
    ]


def _binding_columns(role_ref_doc: str, noun: str) -> list[dict[str, Any]]:
    return [
        _name_column(),
        _column("Role", "string", role_ref_doc),
        _age_column(),
        _column("Users", "string", f"Users in the {noun}", priority=1),
        _column("Groups", "string", f"Groups in the {noun}", priority=1),
        _column("ServiceAccounts", "string", f"ServiceAccounts in the {noun}", priority=1),
    ]


def _binding_cells(binding: Object, now: datetime) -> Cells:
    users, groups, accounts = [], [], []
    for subject in _list(binding, "subjects"):
        kind, name = _str(subject, "kind"), _str(subject, "name")
        if kind == "ServiceAccount":
            accounts.append(f"{_str(subject, 'namespace')}/{name}")
        elif kind == "User":
            users.append(name)
        elif kind == "Group":
            groups.append(name)
    role_ref = f"{_str(binding, 'roleRef', 'kind')}/{_str(binding, 'roleRef', 'name')}"
    return [
        _name(binding),
        role_ref,
        _age(binding, now),
        ", ".join(users),
        ", ".join(groups),
        ", ".join(accounts),
    ]


def _hpa_columns() -> list[dict[str, Any]]:
    spec, status = (
        "autoscaling.v2.HorizontalPodAutoscalerSpec",
        "autoscaling.v2.HorizontalPodAutoscalerStatus",
    )
    return [
        _name_column(),
        _column("Reference", "string", _doc(spec, "scaleTargetRef")),
        _column("Targets", "string", _HPA_V2BETA1_METRICS),
        _column("MinPods", "string", _doc(spec, "minReplicas")),
        _column("MaxPods", "string", _doc(spec, "maxReplicas")),
        _column("Replicas", "string", _doc(status, "currentReplicas")),
        _age_column(),
    ]


def _hpa_cells(hpa: Object, now: datetime) -> Cells:
    spec = _get(hpa, "spec") or {}
    min_replicas = _get(spec, "minReplicas")
    return [
        _name(hpa),
        f"{_str(spec, 'scaleTargetRef', 'kind')}/{_str(spec, 'scaleTargetRef', 'name')}",
        _hpa_metrics(_list(spec, "metrics"), _list(hpa, "status", "currentMetrics")),
        "<unset>" if min_replicas is None else str(min_replicas),
        _int(spec, "maxReplicas"),
        _int(hpa, "status", "currentReplicas"),
        _age(hpa, now),
    ]


def _hpa_metrics(specs: Sequence[Any], statuses: Sequence[Any]) -> str:
    """formatHPAMetrics: ``current/target`` per metric, at most two of them."""
    if not specs:
        return "<none>"
    shown = [
        _hpa_metric(spec, statuses[i] if i < len(statuses) else None)
        for i, spec in enumerate(specs)
    ]
    if len(shown) > 2:
        return f"{', '.join(shown[:2])} + {len(shown) - 2} more..."
    return ", ".join(shown)


_HPA_SOURCES = {
    "External": "external",
    "Pods": "pods",
    "Object": "object",
    "Resource": "resource",
    "ContainerResource": "containerResource",
}


def _hpa_metric(spec: Any, status: Any) -> str:
    source = _HPA_SOURCES.get(_str(spec, "type"))
    if source is None:
        return "<unknown type>"
    target = _get(spec, source, "target") or {}
    observed = _get(status, source)
    current = _get(observed, "current") or {}
    if source == "pods":
        now_value = "<unknown>" if observed is None else _quantity(current.get("averageValue"))
        return f"{now_value}/{_quantity(target.get('averageValue'))}"
    if source in ("external", "object"):
        if target.get("averageValue") is not None:
            seen = observed is not None and current.get("averageValue") is not None
            now_value = _quantity(current.get("averageValue")) if seen else "<unknown>"
            return f"{now_value}/{_quantity(target['averageValue'])} (avg)"
        now_value = "<unknown>" if observed is None else _quantity(current.get("value"))
        return f"{now_value}/{_quantity(target.get('value'))}"
    resource = _str(spec, source, "name")
    if target.get("averageValue") is not None:
        now_value = "<unknown>" if observed is None else _quantity(current.get("averageValue"))
        return f"{resource}: {now_value}/{_quantity(target['averageValue'])}"
    utilization = current.get("averageUtilization") if observed is not None else None
    now_value = "<unknown>" if utilization is None else f"{utilization}%"
    wanted = target.get("averageUtilization")
    return f"{resource}: {now_value}/{'<auto>' if wanted is None else f'{wanted}%'}"


def _pdb_columns() -> list[dict[str, Any]]:
    return [
        _name_column(),
        _column("Min Available", "string", "The minimum number of pods that must be available."),
        _column("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
        _column(
            "Allowed Disruptions",
            "integer",
            "Calculated number of pods that may be disrupted at this time.",
        ),
        _age_column(),
    ]


def _pdb_cells(pdb: Object, now: datetime) -> Cells:
    return [
        _name(pdb),
        _int_or_string(_get(pdb, "spec", "minAvailable")),
        _int_or_string(_get(pdb, "spec", "maxUnavailable")),
        _int(pdb, "status", "disruptionsAllowed"),
        _age(pdb, now),
    ]


def _custom_resource_printer(crd_columns: tuple[Mapping[str, Any], ...]) -> _Printer:
    """apiextensions-apiserver's tableconvertor.New over the version's printer columns."""
    columns = [_name_column()]
    paths: list[list[_Step]] = []
    for spec in crd_columns or _default_crd_columns():
        try:
            steps = _parse_jsonpath(str(spec.get("jsonPath", "")))
        except ValueError:
            break  # the apiserver keeps the columns parsed so far
        json_path = spec.get("jsonPath", "")
        columns.append(
            _column(
                str(spec.get("name", "")),
                str(spec.get("type", "")),
                spec.get("description")
                or f"Custom resource definition column (in JSONPath format): {json_path}",
                priority=int(spec.get("priority", 0)),
                fmt=str(spec.get("format", "")),
            )
        )
        paths.append(steps)
    kinds = [column["type"] for column in columns[1:]]

    def cells(obj: Object, now: datetime) -> Cells:
        row: Cells = [_name(obj)]
        for steps, kind in zip(paths, kinds, strict=True):
            found = _evaluate(steps, [obj])
            row.append(_custom_cell(kind, found[0], now) if found else None)
        return row

    return _Printer(columns, cells)


def _default_crd_columns() -> tuple[Mapping[str, Any], ...]:
    """serveDefaultColumnsIfEmpty."""
    return (
        {
            "name": "Age",
            "type": "date",
            "description": _doc(OBJECT_META, "creationTimestamp"),
            "jsonPath": ".metadata.creationTimestamp",
        },
    )


def _custom_cell(kind: str, value: Any, now: datetime) -> Any:
    """cellForJSONValue, plus JSONPath text printing for string columns."""
    if kind == "string":
        return _jsonpath_text(value)
    if value is None:
        return None
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "integer" and is_number:
        return int(value)
    if kind == "number" and is_number:
        return _go_float_value(float(value))
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, str):
        if value in ("", "null"):
            return "<unknown>"
        moment = _parse_time(value)
        return "<invalid>" if moment is None else _since(moment, now)
    return None


def _go_float_value(value: float) -> float | int:
    """A float64 cell; integral values as int so the JSON reads ``3`` like Go's, not ``3.0``."""
    return int(value) if value.is_integer() and abs(value) < 1e21 else value


def _jsonpath_text(value: Any) -> str:
    """client-go JSONPath PrintResults of one value."""
    if value is None:
        return "<no value>"
    if isinstance(value, dict | list):
        text = json.dumps(
            _go_json(value), separators=(",", ":"), sort_keys=True, ensure_ascii=False
        )
        for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
            text = text.replace(char, escaped)
        return text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float_text(value)
    return str(value)


def _go_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _go_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_go_json(item) for item in value]
    if isinstance(value, float):
        return _go_float_value(value)
    return value


def _go_float_text(value: float) -> str:
    """Go's ``%v`` of a float64: shortest digits, exponent form outside [1e-4, 1e6)."""
    number = Decimal(repr(value)).normalize()
    exponent = number.adjusted()
    if -4 <= exponent < 6:
        return format(number, "f")
    sign, digits, _ = number.as_tuple()
    mantissa = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


_Step = tuple[Any, ...]
_NAME_END = set(".[]()=!<>, \"'")
_COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")


def _parse_jsonpath(text: str) -> list[_Step]:
    """Parse ``.a.b[0]['c.d'][*]..e[?(@.type=="Ready")].status`` into evaluation steps."""
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    if text.startswith("$"):
        text = text[1:]
    steps: list[_Step] = []
    pos = 0
    while pos < len(text):
        if text.startswith("..", pos):
            name, pos = _read_name(text, pos + 2)
            steps.append(("recursive", name))
        elif text[pos] == ".":
            if text.startswith("*", pos + 1):
                steps.append(("wildcard",))
                pos += 2
            else:
                name, pos = _read_name(text, pos + 1)
                if name:
                    steps.append(("field", name))
        elif text[pos] == "[":
            end = _closing_bracket(text, pos)
            steps.append(_parse_bracket(text[pos + 1 : end].strip()))
            pos = end + 1
        else:
            raise ValueError(f"unrecognized character in action: {text[pos]!r}")
    return steps


def _read_name(text: str, pos: int) -> tuple[str, int]:
    name = []
    while pos < len(text) and text[pos] not in _NAME_END:
        if text[pos] == "\\" and pos + 1 < len(text):
            pos += 1
        name.append(text[pos])
        pos += 1
    return "".join(name), pos


def _closing_bracket(text: str, start: int) -> int:
    quote = ""
    depth = 0
    for pos in range(start, len(text)):
        char = text[pos]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return pos
    raise ValueError("unclosed array expect ]")


def _parse_bracket(inner: str) -> _Step:
    if inner == "*":
        return ("wildcard",)
    if inner[:1] in "'\"" and inner[-1:] == inner[:1] and len(inner) >= 2:
        return ("field", inner[1:-1])
    if inner.startswith("?(") and inner.endswith(")"):
        return _parse_filter(inner[2:-1].strip())
    parts = inner.split(":")
    if len(parts) > 3 or not all(re.fullmatch(r"\s*-?\d*\s*", p) for p in parts):
        raise ValueError(f"invalid array index {inner}")
    bounds = [int(p) if p.strip() else None for p in parts]
    if len(parts) == 1:
        if bounds[0] is None:
            raise ValueError("invalid array index")
        return ("index", bounds[0])
    return ("slice", *bounds, *([None] * (3 - len(bounds))))


def _parse_filter(expression: str) -> _Step:
    quote = ""
    for pos, char in enumerate(expression):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        else:
            operator = next((op for op in _COMPARISONS if expression.startswith(op, pos)), None)
            if operator:
                left = _parse_operand(expression[:pos])
                right = _parse_operand(expression[pos + len(operator) :])
                return ("filter", left, operator, right)
    return ("filter", _parse_operand(expression), "exists", None)


def _parse_operand(text: str) -> tuple[str, Any]:
    text = text.strip()
    if text.startswith("@"):
        return ("path", _parse_jsonpath(text[1:]))
    if text[:1] in "'\"" and text[-1:] == text[:1] and len(text) >= 2:
        return ("literal", text[1:-1])
    if text in ("true", "false"):
        return ("literal", text == "true")
    try:
        return ("literal", int(text))
    except ValueError:
        try:
            return ("literal", float(text))
        except ValueError:
            raise ValueError(f"unrecognized filter operand {text!r}") from None


def _evaluate(steps: Sequence[_Step], values: list[Any]) -> list[Any]:
    """The values `steps` select from `values`, missing keys selecting nothing."""
    for step in steps:
        values = [found for value in values if value is not None for found in _apply(step, value)]
    return values


def _apply(step: _Step, value: Any) -> list[Any]:
    kind = step[0]
    if kind == "field":
        return [value[step[1]]] if isinstance(value, dict) and step[1] in value else []
    if kind == "wildcard":
        if isinstance(value, dict):
            return list(value.values())
        return list(value) if isinstance(value, list) else []
    if kind == "recursive":
        return [
            node[step[1]]
            for node in _descendants(value)
            if isinstance(node, dict) and step[1] in node
        ]
    if not isinstance(value, list):
        return []
    if kind == "index":
        index = step[1] + len(value) if step[1] < 0 else step[1]
        return [value[index]] if 0 <= index < len(value) else []
    if kind == "slice":
        return value[slice(step[1], step[2], step[3])]
    return [item for item in value if _filter_passes(step, item)]


def _descendants(value: Any) -> list[Any]:
    found = [value]
    children = value.values() if isinstance(value, dict) else value
    if isinstance(value, dict | list):
        for child in children:
            found.extend(_descendants(child))
    return found


def _filter_passes(step: _Step, item: Any) -> bool:
    _, left, operator, right = step
    lefts = _operand_values(left, item)
    if operator == "exists" or not lefts:
        return bool(lefts)
    rights = _operand_values(right, item)
    if len(lefts) != 1 or len(rights) != 1:
        return False
    a, b = lefts[0], rights[0]
    if _comparable_kind(a) != _comparable_kind(b) or _comparable_kind(a) is None:
        return False
    if operator == "==":
        return bool(a == b)
    if operator == "!=":
        return bool(a != b)
    if isinstance(a, bool):
        return False
    return bool({"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[operator])


def _operand_values(operand: tuple[str, Any], item: Any) -> list[Any]:
    kind, payload = operand
    return _evaluate(payload, [item]) if kind == "path" else [payload]


def _comparable_kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return None
