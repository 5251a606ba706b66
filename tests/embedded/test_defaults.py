"""Defaulting and quantity canonicalisation, checked against what kube-apiserver v1.37 returns."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from gitops_tui.cluster.embedded import quantity
from gitops_tui.cluster.embedded.defaults import apply_defaults
from gitops_tui.cluster.embedded.registry import Registry, ResourceType, custom_types_from_crd

REGISTRY = Registry()


def _rt(api_version: str, kind: str) -> ResourceType:
    rt = REGISTRY.by_api_version(api_version, kind)
    assert rt is not None
    return rt


def _defaulted(obj: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(obj)
    apply_defaults(_rt(obj["apiVersion"], obj["kind"]), result)
    return result


def _container_defaults(name: str, image: str, pull: str = "IfNotPresent") -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": pull,
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


POD_SPEC_DEFAULTS = {
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
    "securityContext": {},
    "terminationGracePeriodSeconds": 30,
}


def test_minimal_deployment_reads_back_as_from_apiserver() -> None:
    sent = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"creationTimestamp": None, "labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
            },
        },
    }
    assert _defaulted(sent) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "progressDeadlineSeconds": 600,
            "replicas": 1,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                "type": "RollingUpdate",
            },
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [_container_defaults("web", "nginx:1.25")],
                    **POD_SPEC_DEFAULTS,
                },
            },
        },
        "status": {},
    }


def test_minimal_service_gets_type_ports_and_single_stack_ipv4() -> None:
    sent = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    }
    assert _defaulted(sent) == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
            "selector": {"app": "web"},
            "sessionAffinity": "None",
            "type": "ClusterIP",
        },
        "status": {"loadBalancer": {}},
    }


def test_load_balancer_service_gets_external_policies() -> None:
    sent = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "lb", "namespace": "default"},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 443, "targetPort": "https"}]},
    }
    spec = _defaulted(sent)["spec"]
    assert spec["externalTrafficPolicy"] == "Cluster"
    assert spec["allocateLoadBalancerNodePorts"] is True
    assert spec["ports"] == [{"port": 443, "targetPort": "https", "protocol": "TCP"}]


def test_pod_gets_service_links_and_requests_from_limits() -> None:
    sent = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {
            "containers": [{"name": "c", "image": "busybox", "resources": {"limits": {"cpu": 0.5}}}]
        },
    }
    container = _container_defaults("c", "busybox", pull="Always")
    container["resources"] = {"limits": {"cpu": "500m"}, "requests": {"cpu": "500m"}}
    assert _defaulted(sent) == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": [container], "enableServiceLinks": True, **POD_SPEC_DEFAULTS},
    }


def test_minimal_job_defaults_and_labels_copied_from_template() -> None:
    sent = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi", "namespace": "default"},
        "spec": {
            "template": {
                "metadata": {"labels": {"job-name": "pi"}},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "pi", "image": "perl:5.34"}],
                },
            }
        },
    }
    assert _defaulted(sent) == {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi", "namespace": "default", "labels": {"job-name": "pi"}},
        "spec": {
            "backoffLimit": 6,
            "completionMode": "NonIndexed",
            "completions": 1,
            "parallelism": 1,
            "podReplacementPolicy": "TerminatingOrFailed",
            "suspend": False,
            "template": {
                "metadata": {"labels": {"job-name": "pi"}},
                "spec": {
                    "containers": [_container_defaults("pi", "perl:5.34")],
                    **POD_SPEC_DEFAULTS,
                    "restartPolicy": "Never",
                },
            },
        },
        "status": {},
    }


def test_minimal_cronjob_defaults_leave_job_template_spec_alone() -> None:
    sent = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "hello", "namespace": "default"},
        "spec": {
            "schedule": "* * * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [{"name": "hello", "image": "busybox:1.28"}],
                        }
                    }
                }
            },
        },
    }
    assert _defaulted(sent) == {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "hello", "namespace": "default"},
        "spec": {
            "concurrencyPolicy": "Allow",
            "failedJobsHistoryLimit": 1,
            "jobTemplate": {
                "metadata": {},
                "spec": {
                    "template": {
                        "metadata": {},
                        "spec": {
                            "containers": [_container_defaults("hello", "busybox:1.28")],
                            **POD_SPEC_DEFAULTS,
                            "restartPolicy": "OnFailure",
                        },
                    }
                },
            },
            "schedule": "* * * * *",
            "successfulJobsHistoryLimit": 3,
            "suspend": False,
        },
        "status": {},
    }


def test_minimal_statefulset_defaults_and_claim_templates() -> None:
    sent = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "default"},
        "spec": {
            "serviceName": "db",
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {"containers": [{"name": "db", "image": "postgres:16"}]},
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1024Mi"}},
                    },
                }
            ],
        },
    }
    assert _defaulted(sent) == {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "default"},
        "spec": {
            "persistentVolumeClaimRetentionPolicy": {
                "whenDeleted": "Retain",
                "whenScaled": "Retain",
            },
            "podManagementPolicy": "OrderedReady",
            "replicas": 1,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": "db"}},
            "serviceName": "db",
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {
                    "containers": [_container_defaults("db", "postgres:16")],
                    **POD_SPEC_DEFAULTS,
                },
            },
            "updateStrategy": {"rollingUpdate": {"partition": 0}, "type": "RollingUpdate"},
            "volumeClaimTemplates": [
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                        "volumeMode": "Filesystem",
                    },
                    "status": {"phase": "Pending"},
                }
            ],
        },
        "status": {"availableReplicas": 0, "replicas": 0},
    }


def test_probe_env_and_volume_defaults_in_templates() -> None:
    sent = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent"}},
                "spec": {
                    "containers": [
                        {
                            "name": "agent",
                            "image": "agent:latest",
                            "ports": [{"containerPort": 9100}],
                            "env": [
                                {
                                    "name": "NODE",
                                    "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}},
                                }
                            ],
                            "readinessProbe": {"httpGet": {"port": 9100}},
                            "livenessProbe": {"grpc": {"port": 9101}, "periodSeconds": 20},
                        }
                    ],
                    "volumes": [
                        {"name": "cfg", "configMap": {"name": "agent"}},
                        {"name": "sec", "secret": {"secretName": "agent"}},
                        {"name": "scratch"},
                        {"name": "proc", "hostPath": {"path": "/proc"}},
                    ],
                },
            },
        },
    }
    result = _defaulted(sent)
    spec = result["spec"]
    assert spec["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
    }
    container = spec["template"]["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "Always"
    assert container["ports"] == [{"containerPort": 9100, "protocol": "TCP"}]
    assert container["env"][0]["valueFrom"]["fieldRef"] == {
        "fieldPath": "spec.nodeName",
        "apiVersion": "v1",
    }
    assert container["readinessProbe"] == {
        "httpGet": {"port": 9100, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert container["livenessProbe"]["grpc"] == {"port": 9101, "service": ""}
    assert container["livenessProbe"]["periodSeconds"] == 20
    assert spec["template"]["spec"]["volumes"] == [
        {"name": "cfg", "configMap": {"name": "agent", "defaultMode": 420}},
        {"name": "sec", "secret": {"secretName": "agent", "defaultMode": 420}},
        {"name": "scratch", "emptyDir": {}},
        {"name": "proc", "hostPath": {"path": "/proc", "type": ""}},
    ]
    assert "enableServiceLinks" not in spec["template"]["spec"]


def test_decoding_drops_unknown_fields_nulls_and_empty_collections() -> None:
    sent = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "default", "labels": {}, "creationTimestamp": None},
        "data": {"a": "1"},
        "bogus": True,
    }
    assert _defaulted(sent) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "default"},
        "data": {"a": "1"},
    }


def test_secret_string_data_is_merged_into_data_and_type_defaults_to_opaque() -> None:
    sent = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "default"},
        "data": {"user": "YWRtaW4=", "password": "b2xk"},
        "stringData": {"password": "s3cret"},
    }
    result = _defaulted(sent)
    assert result["type"] == "Opaque"
    assert result["data"] == {"user": "YWRtaW4=", "password": "czNjcmV0"}
    assert "stringData" not in result


def test_rbac_and_hpa_defaults() -> None:
    binding = _defaulted(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "b", "namespace": "default"},
            "roleRef": {"kind": "Role", "name": "r"},
            "subjects": [{"kind": "User", "name": "jane"}, {"kind": "ServiceAccount", "name": "x"}],
        }
    )
    assert binding["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
    assert [s["apiGroup"] for s in binding["subjects"]] == ["rbac.authorization.k8s.io", ""]
    hpa = _defaulted(
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "h", "namespace": "default"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "maxReplicas": 5,
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}},
            },
        }
    )
    assert hpa["spec"]["minReplicas"] == 1
    assert hpa["spec"]["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 80},
            },
        }
    ]
    assert hpa["spec"]["behavior"] == {
        "scaleUp": {
            "stabilizationWindowSeconds": 0,
            "selectPolicy": "Max",
            "policies": [
                {"type": "Pods", "value": 4, "periodSeconds": 15},
                {"type": "Percent", "value": 100, "periodSeconds": 15},
            ],
        },
        "scaleDown": {
            "stabilizationWindowSeconds": 60,
            "selectPolicy": "Max",
            "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
        },
    }
    assert hpa["status"] == {"currentMetrics": None, "desiredReplicas": 0}


def test_crd_defaults_names_and_conversion() -> None:
    crd = _defaulted(
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {
                "group": "example.com",
                "scope": "Namespaced",
                "names": {"plural": "widgets", "kind": "Widget"},
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "storage": True,
                        "schema": {"openAPIV3Schema": {"type": "object"}},
                    }
                ],
            },
        }
    )
    assert crd["spec"]["names"] == {
        "plural": "widgets",
        "kind": "Widget",
        "singular": "widget",
        "listKind": "WidgetList",
    }
    assert crd["spec"]["conversion"] == {"strategy": "None"}


WIDGET_CRD = {
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "kind": "Widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "default": {},
                                "properties": {
                                    "size": {"type": "integer", "default": 1},
                                    "color": {"type": "string", "default": "red"},
                                    "ports": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "name": {"type": "string"},
                                                "protocol": {"type": "string", "default": "TCP"},
                                            },
                                        },
                                    },
                                    "extra": {
                                        "type": "object",
                                        "x-kubernetes-preserve-unknown-fields": True,
                                    },
                                },
                            }
                        },
                    }
                },
            }
        ],
    },
}


def test_custom_resource_gets_schema_defaults_and_unknown_fields_pruned() -> None:
    rt = custom_types_from_crd(WIDGET_CRD)[0]
    obj = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "default"},
        "spec": {
            "color": "blue",
            "ports": [{"name": "http"}],
            "junk": 1,
            "extra": {"anything": {"goes": True}},
        },
        "status": {"ignored": True},
    }
    apply_defaults(rt, obj)
    assert obj == {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "default"},
        "spec": {
            "color": "blue",
            "size": 1,
            "ports": [{"name": "http", "protocol": "TCP"}],
            "extra": {"anything": {"goes": True}},
        },
    }
    empty: dict[str, Any] = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {}}
    apply_defaults(rt, empty)
    assert empty["spec"] == {"size": 1, "color": "red"}


def test_defaulting_twice_changes_nothing() -> None:
    sent = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx",
                            "resources": {"requests": {"cpu": "0.25"}},
                        }
                    ]
                },
            },
        },
    }
    once = _defaulted(sent)
    assert _defaulted(once) == once
    resources = once["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert resources == {"requests": {"cpu": "250m"}}


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("0.5", "500m"),
        ("1000m", "1"),
        ("1024Mi", "1Gi"),
        (0.1, "100m"),
        (2, "2"),
        ("1.5", "1500m"),
        ("1.5Gi", "1536Mi"),
        ("100Mi", "100Mi"),
        ("128974848", "128974848"),
        ("129e6", "129e6"),
        ("1.5e3", "1500"),
        ("12e-3", "12e-3"),
        ("0.1m", "100u"),
        ("-1.5", "-1500m"),
        ("1.5Ki", "1536"),
        ("0.5Ki", "512"),
        ("2048Ki", "2Mi"),
        ("1e-12", "1e-9"),
        ("10G", "10G"),
        ("1000k", "1M"),
        ("0", "0"),
        (".5", "500m"),
    ],
)
def test_quantity_canonical_form(sent: str | int | float, expected: str) -> None:
    assert quantity.canonical(sent) == expected


def test_resource_list_values_round_up_to_milli_units() -> None:
    assert quantity.canonical_resource("0.1m") == "1m"
    assert quantity.canonical_resource("1.0001") == "1001m"
    assert quantity.canonical_resource("64Mi") == "64Mi"


def test_quantity_parse_reports_value_format_and_errors() -> None:
    assert quantity.parse("1Gi") == (Decimal(2**30), "BinarySI")
    assert quantity.parse("5e3") == (Decimal(5000), "DecimalExponent")
    assert quantity.parse("250m") == (Decimal("0.25"), "DecimalSI")
    with pytest.raises(ValueError, match="quantities must match the regular expression"):
        quantity.parse("1 Gi")
    with pytest.raises(ValueError, match="unable to parse quantity's suffix"):
        quantity.parse("1K")


def test_status_fields_without_omitempty_survive_a_status_write() -> None:
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "h", "namespace": "default"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3},
        "status": {"currentReplicas": 2, "desiredReplicas": 2},
    }
    assert _defaulted(hpa)["status"] == {
        "currentReplicas": 2,
        "desiredReplicas": 2,
        "currentMetrics": None,
    }
