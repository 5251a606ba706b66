"""Server-side printing: the Tables ``kubectl get`` renders, cell for cell as kube-apiserver."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.registry import Registry, ResourceType, custom_types_from_crd
from gitops_tui.cluster.embedded.tables import to_table

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
REGISTRY = Registry()


def ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def rt(group: str, plural: str, version: str = "v1") -> ResourceType:
    found = REGISTRY.lookup(group, version, plural)
    assert found is not None
    return found


def table(
    resource: ResourceType, *objects: dict[str, Any], include_object: str = "Metadata"
) -> dict[str, Any]:
    return to_table(
        resource,
        list(objects),
        list_meta={"resourceVersion": "42"},
        include_object=include_object,
        now=NOW,
    )


def cells(resource: ResourceType, obj: dict[str, Any]) -> list[Any]:
    row: list[Any] = table(resource, obj)["rows"][0]["cells"]
    return row


def meta(name: str, created: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "default", "creationTimestamp": created, **extra}


def pod(name: str, status: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(name, ago(hours=3, minutes=4)),
        "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}], **spec},
        "status": status,
    }


DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": meta("web", ago(minutes=10), resourceVersion="7", uid="u-1"),
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web", "tier": "frontend"}},
        "template": {
            "metadata": {"labels": {"app": "web", "tier": "frontend"}},
            "spec": {
                "containers": [
                    {"name": "nginx", "image": "nginx:1.25"},
                    {"name": "sidecar", "image": "busybox:1.36"},
                ]
            },
        },
    },
    "status": {"replicas": 3, "readyReplicas": 3, "updatedReplicas": 3, "availableReplicas": 3},
}


def test_deployment_ready_3_of_3_with_wide_cells() -> None:
    assert cells(rt("apps", "deployments"), DEPLOYMENT) == [
        "web",
        "3/3",
        3,
        3,
        "10m",
        "nginx,sidecar",
        "nginx:1.25,busybox:1.36",
        "app=web,tier=frontend",
    ]


def test_deployment_rolling_out_and_match_expressions_selector() -> None:
    deploy = {
        **DEPLOYMENT,
        "spec": {
            **DEPLOYMENT["spec"],
            "selector": {
                "matchLabels": {"app": "web"},
                "matchExpressions": [
                    {"key": "env", "operator": "In", "values": ["prod", "canary"]},
                    {"key": "debug", "operator": "DoesNotExist"},
                ],
            },
        },
        "status": {"replicas": 4, "readyReplicas": 1, "updatedReplicas": 2},
    }
    row = cells(rt("apps", "deployments"), deploy)
    assert row[1:4] == ["1/3", 2, 0]
    assert row[7] == "app=web,!debug,env in (canary,prod)"


def test_deployment_column_definitions() -> None:
    columns = table(rt("apps", "deployments"))["columnDefinitions"]
    assert [(c["name"], c["type"], c["priority"]) for c in columns] == [
        ("Name", "string", 0),
        ("Ready", "string", 0),
        ("Up-to-date", "string", 0),
        ("Available", "string", 0),
        ("Age", "string", 0),
        ("Containers", "string", 1),
        ("Images", "string", 1),
        ("Selector", "string", 1),
    ]
    assert columns[0]["format"] == "name"
    assert columns[0]["description"].startswith("Name must be unique within a namespace.")
    assert columns[1]["description"] == "Number of the pod with ready state"
    assert columns[2]["description"] == (
        "Total number of non-terminating pods targeted by this deployment that have the "
        "desired template spec."
    )
    assert columns[4]["description"].startswith("CreationTimestamp is a timestamp")


def test_pod_column_definitions() -> None:
    columns = table(rt("", "pods"))["columnDefinitions"]
    assert [(c["name"], c["type"], c["priority"]) for c in columns] == [
        ("Name", "string", 0),
        ("Ready", "string", 0),
        ("Status", "string", 0),
        ("Restarts", "string", 0),
        ("Age", "string", 0),
        ("IP", "string", 1),
        ("Node", "string", 1),
        ("Nominated Node", "string", 1),
        ("Readiness Gates", "string", 1),
    ]
    assert set(columns[0]) == {"name", "type", "format", "description", "priority"}
    assert columns[3]["description"] == (
        "The number of times the containers in this pod have been restarted and when the last "
        "container in this pod has restarted."
    )
    assert columns[5]["description"].startswith("podIP address allocated to the pod.")


RUNNING_STATUS: dict[str, Any] = {
    "phase": "Running",
    "podIP": "10.244.0.12",
    "podIPs": [{"ip": "10.244.0.12"}],
    "conditions": [
        {"type": "Initialized", "status": "True"},
        {"type": "Ready", "status": "True"},
    ],
    "containerStatuses": [
        {
            "name": "app",
            "ready": True,
            "started": True,
            "restartCount": 1,
            "state": {"running": {"startedAt": ago(minutes=5)}},
            "lastState": {
                "terminated": {
                    "exitCode": 137,
                    "reason": "OOMKilled",
                    "finishedAt": ago(minutes=5),
                }
            },
        }
    ],
}


def test_pod_running_with_a_restart() -> None:
    running = pod("web-7d4b9c6f5-x2x9k", RUNNING_STATUS, nodeName="kind-control-plane")
    assert cells(rt("", "pods"), running) == [
        "web-7d4b9c6f5-x2x9k",
        "1/1",
        "Running",
        "1 (5m ago)",
        "3h4m",
        "10.244.0.12",
        "kind-control-plane",
        "<none>",
        "<none>",
    ]


def test_pod_image_pull_backoff() -> None:
    broken = pod(
        "broken",
        {
            "phase": "Pending",
            "podIPs": [{"ip": "10.244.0.13"}],
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": False,
                    "restartCount": 0,
                    "state": {
                        "waiting": {
                            "reason": "ImagePullBackOff",
                            "message": 'Back-off pulling image "nginx:nope"',
                        }
                    },
                }
            ],
        },
        nodeName="node-1",
    )
    assert cells(rt("", "pods"), broken)[:6] == [
        "broken",
        "0/1",
        "ImagePullBackOff",
        "0",
        "3h4m",
        "10.244.0.13",
    ]


@pytest.mark.parametrize(
    ("status", "extra_meta", "expected"),
    [
        ({"phase": "Pending"}, {}, ["0/1", "Pending", "0"]),
        (
            {
                "phase": "Pending",
                "containerStatuses": [
                    {
                        "name": "app",
                        "restartCount": 0,
                        "state": {"waiting": {"reason": "ContainerCreating"}},
                    }
                ],
            },
            {},
            ["0/1", "ContainerCreating", "0"],
        ),
        (
            RUNNING_STATUS,
            {"deletionTimestamp": ago(seconds=3)},
            ["1/1", "Terminating", "1 (5m ago)"],
        ),
        (
            {
                "phase": "Running",
                "containerStatuses": [
                    {
                        "name": "app",
                        "restartCount": 4,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                        "lastState": {
                            "terminated": {
                                "exitCode": 1,
                                "reason": "Error",
                                "finishedAt": ago(seconds=30),
                            }
                        },
                    }
                ],
            },
            {},
            ["0/1", "CrashLoopBackOff", "4 (30s ago)"],
        ),
        (
            {
                "phase": "Failed",
                "containerStatuses": [
                    {"name": "app", "restartCount": 0, "state": {"terminated": {"exitCode": 2}}}
                ],
            },
            {},
            ["0/1", "ExitCode:2", "0"],
        ),
        (
            {"phase": "Failed", "reason": "Evicted", "message": "The node was low on resource"},
            {},
            ["0/1", "Evicted", "0"],
        ),
    ],
    ids=["pending", "container-creating", "terminating", "crashloop", "exit-code", "evicted"],
)
def test_pod_status_column(
    status: dict[str, Any], extra_meta: dict[str, Any], expected: list[str]
) -> None:
    obj = pod("p", status)
    obj["metadata"].update(extra_meta)
    assert cells(rt("", "pods"), obj)[1:4] == expected


def test_pod_init_containers_and_sidecars() -> None:
    initializing = pod(
        "db",
        {
            "phase": "Pending",
            "initContainerStatuses": [
                {"name": "migrate", "ready": False, "restartCount": 0, "state": {"running": {}}}
            ],
            "containerStatuses": [
                {
                    "name": "app",
                    "restartCount": 0,
                    "state": {"waiting": {"reason": "PodInitializing"}},
                }
            ],
        },
        initContainers=[{"name": "migrate", "image": "migrate:1"}],
    )
    assert cells(rt("", "pods"), initializing)[1:3] == ["0/1", "Init:0/1"]

    with_sidecar = pod(
        "mesh",
        {
            "phase": "Running",
            "conditions": [{"type": "Initialized", "status": "True"}],
            "initContainerStatuses": [
                {
                    "name": "proxy",
                    "ready": True,
                    "started": True,
                    "restartCount": 0,
                    "state": {"running": {}},
                }
            ],
            "containerStatuses": RUNNING_STATUS["containerStatuses"],
        },
        initContainers=[{"name": "proxy", "image": "envoy:1", "restartPolicy": "Always"}],
    )
    assert cells(rt("", "pods"), with_sidecar)[1:4] == ["2/2", "Running", "1 (5m ago)"]


def test_completed_pod_row_carries_the_completed_condition() -> None:
    done = pod(
        "pi-x7k2p",
        {
            "phase": "Succeeded",
            "containerStatuses": [
                {
                    "name": "app",
                    "restartCount": 0,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                }
            ],
        },
    )
    row = table(rt("", "pods"), done)["rows"][0]
    assert row["cells"][1:3] == ["0/1", "Completed"]
    assert row["conditions"] == [
        {
            "type": "Completed",
            "status": "True",
            "reason": "Succeeded",
            "message": "The pod has completed successfully.",
        }
    ]
    assert "conditions" not in table(rt("", "pods"), pod("p", RUNNING_STATUS))["rows"][0]


def service(spec: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta("web", ago(hours=51)),
        "spec": {"selector": {"app": "web"}, **spec},
        "status": status or {"loadBalancer": {}},
    }


def test_service_cluster_ip_with_two_ports() -> None:
    svc = service(
        {
            "type": "ClusterIP",
            "clusterIP": "10.96.12.34",
            "clusterIPs": ["10.96.12.34"],
            "ports": [
                {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080},
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
            ],
        }
    )
    assert cells(rt("", "services"), svc) == [
        "web",
        "ClusterIP",
        "10.96.12.34",
        "<none>",
        "80/TCP,53/UDP",
        "2d3h",
        "app=web",
    ]


def test_service_node_port_load_balancer_and_external_name() -> None:
    node_port = service(
        {
            "type": "NodePort",
            "clusterIPs": ["10.96.0.7"],
            "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}],
        }
    )
    assert cells(rt("", "services"), node_port)[1:5] == [
        "NodePort",
        "10.96.0.7",
        "<none>",
        "80:30080/TCP",
    ]
    pending = service(
        {
            "type": "LoadBalancer",
            "clusterIPs": ["10.96.0.8"],
            "ports": [{"port": 443, "nodePort": 31443, "protocol": "TCP"}],
        }
    )
    assert cells(rt("", "services"), pending)[3] == "<pending>"
    assigned = service(pending["spec"], {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}})
    assert cells(rt("", "services"), assigned)[3] == "203.0.113.10"
    external = service({"type": "ExternalName", "externalName": "db.example.com"})
    assert cells(rt("", "services"), external)[1:5] == [
        "ExternalName",
        "<none>",
        "db.example.com",
        "<none>",
    ]


def test_job_complete() -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta("pi", ago(minutes=5)),
        "spec": {
            "completions": 1,
            "parallelism": 1,
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "5f1c"}},
            "template": {"spec": {"containers": [{"name": "pi", "image": "perl:5.34.0"}]}},
        },
        "status": {
            "startTime": ago(minutes=5),
            "completionTime": ago(minutes=4, seconds=48),
            "succeeded": 1,
            "conditions": [
                {"type": "SuccessCriteriaMet", "status": "True"},
                {"type": "Complete", "status": "True"},
            ],
        },
    }
    assert cells(rt("batch", "jobs"), job) == [
        "pi",
        "Complete",
        "1/1",
        "12s",
        "5m",
        "pi",
        "perl:5.34.0",
        "batch.kubernetes.io/controller-uid=5f1c",
    ]


def test_job_running_failed_and_parallel_completions() -> None:
    running = {
        "metadata": meta("work", ago(minutes=3)),
        "spec": {"parallelism": 3, "template": {"spec": {"containers": []}}},
        "status": {"startTime": ago(minutes=2, seconds=30), "active": 3},
    }
    assert cells(rt("batch", "jobs"), running)[1:4] == ["Running", "0/1 of 3", "2m30s"]
    failed = {
        **running,
        "status": {"conditions": [{"type": "Failed", "status": "True"}], "failed": 6},
    }
    assert cells(rt("batch", "jobs"), failed)[1:4] == ["Failed", "0/1 of 3", ""]


def test_cronjob() -> None:
    cronjob: dict[str, Any] = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": meta("hello", ago(minutes=10)),
        "spec": {
            "schedule": "*/1 * * * *",
            "suspend": False,
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {"containers": [{"name": "hello", "image": "busybox:1.28"}]}
                    }
                }
            },
        },
        "status": {
            "active": [{"kind": "Job", "name": "hello-28573920"}],
            "lastScheduleTime": ago(seconds=30),
        },
    }
    assert cells(rt("batch", "cronjobs"), cronjob) == [
        "hello",
        "*/1 * * * *",
        "<none>",
        "False",
        1,
        "30s",
        "10m",
        "hello",
        "busybox:1.28",
        "<none>",
    ]
    never_ran = {**cronjob, "spec": {**cronjob["spec"], "timeZone": "Etc/UTC"}, "status": {}}
    assert cells(rt("batch", "cronjobs"), never_ran)[2:6] == ["Etc/UTC", "False", 0, "<none>"]


def test_core_kinds_without_much_to_say() -> None:
    namespace = {
        "metadata": {"name": "team-a", "creationTimestamp": ago(days=3)},
        "status": {"phase": "Active"},
    }
    assert cells(rt("", "namespaces"), namespace) == ["team-a", "Active", "3d"]
    config = {
        "metadata": meta("cfg", ago(seconds=5)),
        "data": {"a": "1", "b": "2"},
        "binaryData": {"c": "AA=="},
    }
    assert cells(rt("", "configmaps"), config) == ["cfg", 3, "5s"]
    secret = {
        "metadata": meta("tls", ago(hours=2)),
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": "", "tls.key": ""},
    }
    assert cells(rt("", "secrets"), secret) == ["tls", "kubernetes.io/tls", 2, "120m"]
    account = {"metadata": meta("default", ago(days=400)), "secrets": [{"name": "tok"}]}
    assert cells(rt("", "serviceaccounts"), account) == ["default", "400d"]


def test_endpoints() -> None:
    endpoints = {
        "metadata": meta("web", ago(minutes=1)),
        "subsets": [
            {
                "addresses": [{"ip": f"10.244.0.{i}"} for i in range(5, 9)],
                "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            }
        ],
    }
    assert cells(rt("", "endpoints"), endpoints) == [
        "web",
        "10.244.0.5:8080,10.244.0.6:8080,10.244.0.7:8080 + 1 more...",
        "60s",
    ]
    assert cells(rt("", "endpoints"), {"metadata": meta("none", ago(minutes=1))})[1] == "<none>"


def test_events_old_and_new_style() -> None:
    scheduled = {
        "metadata": meta("web-1.17c", ago(minutes=2)),
        "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "default"},
        "reason": "Scheduled",
        "message": "Successfully assigned default/web-1 to node-1\n",
        "source": {"component": "default-scheduler"},
        "firstTimestamp": ago(minutes=2),
        "lastTimestamp": ago(minutes=1),
        "count": 2,
        "type": "Normal",
    }
    assert cells(rt("", "events"), scheduled) == [
        "60s",
        "Normal",
        "Scheduled",
        "pod/web-1",
        "",
        "default-scheduler",
        "Successfully assigned default/web-1 to node-1",
        "2m",
        2,
        "web-1.17c",
    ]
    pulled = {
        "metadata": meta("web-1.18a", ago(seconds=20)),
        "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{app}"},
        "reason": "Pulled",
        "message": "Container image already present",
        "eventTime": "2024-05-01T11:59:40.123456Z",
        "reportingComponent": "kubelet",
        "reportingInstance": "node-1",
        "type": "Normal",
    }
    assert cells(rt("", "events"), pulled)[:9] == [
        "19s",
        "Normal",
        "Pulled",
        "pod/web-1",
        "spec.containers{app}",
        "kubelet, node-1",
        "Container image already present",
        "19s",
        1,
    ]


def test_replicaset_statefulset_daemonset() -> None:
    template = {"spec": {"containers": [{"name": "app", "image": "app:1"}]}}
    rs = {
        "metadata": meta("web-7d4b9c6f5", ago(minutes=10)),
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": template},
        "status": {"replicas": 3, "readyReplicas": 2},
    }
    assert cells(rt("apps", "replicasets"), rs) == [
        "web-7d4b9c6f5",
        3,
        3,
        2,
        "10m",
        "app",
        "app:1",
        "app=web",
    ]
    sts = {
        "metadata": meta("db", ago(minutes=10)),
        "spec": {"replicas": 2, "template": template},
        "status": {"readyReplicas": 1},
    }
    assert cells(rt("apps", "statefulsets"), sts) == ["db", "1/2", "10m", "app", "app:1"]
    ds = {
        "metadata": meta("agent", ago(minutes=10)),
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "spec": {**template["spec"], "nodeSelector": {"kubernetes.io/os": "linux"}}
            },
        },
        "status": {
            "desiredNumberScheduled": 1,
            "currentNumberScheduled": 1,
            "numberReady": 1,
            "updatedNumberScheduled": 1,
            "numberAvailable": 1,
        },
    }
    assert cells(rt("apps", "daemonsets"), ds) == [
        "agent",
        1,
        1,
        1,
        1,
        1,
        "kubernetes.io/os=linux",
        "10m",
        "app",
        "app:1",
        "app=agent",
    ]


def test_ingress_bindings_hpa_pdb() -> None:
    ingress = {
        "metadata": meta("web", ago(minutes=10)),
        "spec": {
            "ingressClassName": "nginx",
            "rules": [{"host": "example.com"}, {"host": "www.example.com"}],
            "tls": [{"hosts": ["example.com"]}],
        },
        "status": {"loadBalancer": {"ingress": [{"ip": "192.168.49.2"}]}},
    }
    assert cells(rt("networking.k8s.io", "ingresses"), ingress) == [
        "web",
        "nginx",
        "example.com,www.example.com",
        "192.168.49.2",
        "80, 443",
        "10m",
    ]
    binding = {
        "metadata": meta("read-pods", ago(minutes=10)),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
        "subjects": [
            {"kind": "User", "name": "jane"},
            {"kind": "Group", "name": "devs"},
            {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"},
        ],
    }
    assert cells(rt("rbac.authorization.k8s.io", "rolebindings"), binding) == [
        "read-pods",
        "Role/pod-reader",
        "10m",
        "jane",
        "devs",
        "tools/ci",
    ]
    hpa = {
        "metadata": meta("web", ago(minutes=10)),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1,
            "maxReplicas": 10,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 50},
                    },
                },
                {
                    "type": "Resource",
                    "resource": {
                        "name": "memory",
                        "target": {"type": "AverageValue", "averageValue": "512Mi"},
                    },
                },
            ],
        },
        "status": {
            "currentReplicas": 2,
            "currentMetrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "current": {"averageUtilization": 20, "averageValue": "100m"},
                    },
                },
            ],
        },
    }
    assert cells(rt("autoscaling", "horizontalpodautoscalers", "v2"), hpa) == [
        "web",
        "Deployment/web",
        "cpu: 20%/50%, memory: <unknown>/512Mi",
        "1",
        10,
        2,
        "10m",
    ]
    pdb = {
        "metadata": meta("web", ago(minutes=10)),
        "spec": {"maxUnavailable": "25%"},
        "status": {"disruptionsAllowed": 1},
    }
    assert cells(rt("policy", "poddisruptionbudgets"), pdb) == ["web", "N/A", "25%", 1, "10m"]


def test_roles_and_crds_use_the_default_name_created_at_table() -> None:
    role = {"metadata": meta("pod-reader", "2024-04-30T09:15:00Z"), "rules": []}
    result = table(rt("rbac.authorization.k8s.io", "roles"), role)
    assert [(c["name"], c["type"], c["format"]) for c in result["columnDefinitions"]] == [
        ("Name", "string", "name"),
        ("Created At", "date", ""),
    ]
    assert result["rows"][0]["cells"] == ["pod-reader", "2024-04-30T09:15:00Z"]
    crds = rt("apiextensions.k8s.io", "customresourcedefinitions")
    assert [c["name"] for c in table(crds)["columnDefinitions"]] == ["Name", "Created At"]
    assert table(crds)["rows"] is None
    assert table(rt("", "pods"))["rows"] == []


WIDGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {
            "plural": "widgets",
            "singular": "widget",
            "kind": "Widget",
            "listKind": "WidgetList",
        },
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
                "additionalPrinterColumns": [
                    {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
                    {
                        "name": "Ready",
                        "type": "string",
                        "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
                    },
                    {
                        "name": "Owner",
                        "type": "string",
                        "jsonPath": ".metadata.labels['example.com/owner']",
                        "priority": 1,
                        "description": "Who owns it",
                    },
                    {"name": "Ratio", "type": "number", "jsonPath": ".status.ratio"},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                ],
            },
            {
                "name": "v2",
                "served": True,
                "storage": False,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
            },
        ],
    },
}


def widget_types() -> tuple[ResourceType, ResourceType]:
    v1, v2 = custom_types_from_crd(WIDGET_CRD)
    return v1, v2


WIDGET: dict[str, Any] = {
    "apiVersion": "example.com/v1",
    "kind": "Widget",
    "metadata": meta("gear", ago(minutes=5), labels={"example.com/owner": "team-a"}),
    "spec": {"replicas": 2},
    "status": {
        "ratio": 0.75,
        "conditions": [
            {"type": "Synced", "status": "False"},
            {"type": "Ready", "status": "True"},
        ],
    },
}


def test_custom_resource_printer_columns() -> None:
    v1, _ = widget_types()
    result = table(v1, WIDGET)
    assert [(c["name"], c["type"], c["priority"]) for c in result["columnDefinitions"]] == [
        ("Name", "string", 0),
        ("Replicas", "integer", 0),
        ("Ready", "string", 0),
        ("Owner", "string", 1),
        ("Ratio", "number", 0),
        ("Age", "date", 0),
    ]
    descriptions = [c["description"] for c in result["columnDefinitions"]]
    assert (
        descriptions[1] == "Custom resource definition column (in JSONPath format): .spec.replicas"
    )
    assert descriptions[3] == "Who owns it"
    assert result["rows"][0]["cells"] == ["gear", 2, "True", "team-a", 0.75, "5m"]


def test_custom_resource_cells_for_missing_and_odd_values() -> None:
    v1, _ = widget_types()
    bare = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": meta("bare", ago(seconds=7)),
        "spec": {"replicas": "two"},
        "status": {"ratio": 2.0},
    }
    assert cells(v1, bare) == ["bare", None, None, None, 2, "7s"]


def test_custom_resource_string_columns_print_like_client_go_jsonpath() -> None:
    crd = copy.deepcopy(WIDGET_CRD)
    crd["spec"]["versions"][0]["additionalPrinterColumns"] = [
        {"name": "Count", "type": "string", "jsonPath": ".spec.replicas"},
        {"name": "Spec", "type": "string", "jsonPath": ".spec"},
        {"name": "Big", "type": "string", "jsonPath": ".status.big"},
        {"name": "Paused", "type": "string", "jsonPath": ".spec.paused"},
        {"name": "Note", "type": "string", "jsonPath": ".status.note"},
        {"name": "First", "type": "string", "jsonPath": ".status.conditions[0].type"},
    ]
    widget = copy.deepcopy(WIDGET)
    widget["spec"] = {"replicas": 2, "paused": False, "html": "<b>"}
    widget["status"].update(big=1234567.0, note=None)
    assert cells(custom_types_from_crd(crd)[0], widget) == [
        "gear",
        "2",
        '{"html":"\\u003cb\\u003e","paused":false,"replicas":2}',
        "1.234567e+06",
        "false",
        "<no value>",
        "Synced",
    ]


def test_custom_resource_without_columns_gets_name_and_age() -> None:
    _, v2 = widget_types()
    result = table(v2, {**WIDGET, "apiVersion": "example.com/v2"})
    assert [(c["name"], c["type"]) for c in result["columnDefinitions"]] == [
        ("Name", "string"),
        ("Age", "date"),
    ]
    assert result["columnDefinitions"][1]["description"].startswith("CreationTimestamp")
    assert result["rows"][0]["cells"] == ["gear", "5m"]


def test_include_object_shapes() -> None:
    resource = rt("apps", "deployments")
    metadata = table(resource, DEPLOYMENT)["rows"][0]["object"]
    assert metadata == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": DEPLOYMENT["metadata"],
    }
    assert table(resource, DEPLOYMENT, include_object="Object")["rows"][0]["object"] == DEPLOYMENT
    none_row = table(resource, DEPLOYMENT, include_object="None")["rows"][0]
    assert none_row == {"cells": cells(resource, DEPLOYMENT), "object": None}


def test_unknown_include_object_is_a_bad_request() -> None:
    with pytest.raises(APIError) as raised:
        table(rt("apps", "deployments"), DEPLOYMENT, include_object="Everything")
    assert raised.value.code == 400
    assert raised.value.message == (
        'Unable to convert to Table as requested: includeObject: Invalid value: "Everything": '
        "must be 'Metadata', 'Object', 'None', or empty"
    )


def test_table_envelope_and_list_metadata() -> None:
    result = to_table(
        rt("apps", "deployments"),
        [DEPLOYMENT],
        list_meta={"resourceVersion": "99", "continue": "tok", "remainingItemCount": 3},
        now=NOW,
    )
    assert list(result) == ["kind", "apiVersion", "metadata", "columnDefinitions", "rows"]
    assert (result["kind"], result["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert result["metadata"] == {
        "resourceVersion": "99",
        "continue": "tok",
        "remainingItemCount": 3,
    }
    single = to_table(
        rt("apps", "deployments"),
        [DEPLOYMENT],
        list_meta={"resourceVersion": "7", "continue": ""},
        now=NOW,
    )
    assert single["metadata"] == {"resourceVersion": "7"}


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(seconds=-5), "<invalid>"),
        (timedelta(seconds=-1), "0s"),
        (timedelta(0), "0s"),
        (timedelta(seconds=5), "5s"),
        (timedelta(seconds=119), "119s"),
        (timedelta(minutes=2), "2m"),
        (timedelta(minutes=3, seconds=2), "3m2s"),
        (timedelta(minutes=10), "10m"),
        (timedelta(minutes=179, seconds=59), "179m"),
        (timedelta(hours=3), "3h"),
        (timedelta(hours=3, minutes=4), "3h4m"),
        (timedelta(hours=8, minutes=30), "8h"),
        (timedelta(hours=47), "47h"),
        (timedelta(days=2, hours=3), "2d3h"),
        (timedelta(days=7), "7d"),
        (timedelta(days=8, hours=5), "8d"),
        (timedelta(days=729), "729d"),
        (timedelta(days=730), "2y"),
        (timedelta(days=760), "2y30d"),
        (timedelta(days=365 * 9), "9y"),
    ],
)
def test_age_is_a_human_duration(age: timedelta, expected: str) -> None:
    created = (NOW - age).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = {"metadata": meta("cfg", created)}
    assert cells(rt("", "configmaps"), config)[2] == expected


def test_missing_creation_timestamp_is_unknown() -> None:
    assert cells(rt("", "configmaps"), {"metadata": {"name": "cfg"}})[2] == "<unknown>"
