"""Validation results and messages, as kube-apiserver v1.37 reports them in a 422 Invalid."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gitops_tui.cluster.embedded.defaults import apply_defaults
from gitops_tui.cluster.embedded.registry import Registry, ResourceType, custom_types_from_crd
from gitops_tui.cluster.embedded.validation import FieldError, unknown_fields, validate

REGISTRY = Registry()
SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def _rt(obj: dict[str, Any]) -> ResourceType:
    rt = REGISTRY.by_api_version(obj["apiVersion"], obj["kind"])
    assert rt is not None
    return rt


def _defaulted(obj: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(obj)
    apply_defaults(_rt(result), result)
    return result


def _errors(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
    new = _defaulted(obj)
    previous = _defaulted(old) if old is not None else None
    return [str(error) for error in validate(_rt(new), new, previous)]


def _deployment(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "resourceVersion": "1"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
            },
        },
    }
    obj["metadata"].update(changes.pop("metadata", {}))
    obj["spec"].update(changes)
    return obj


def test_field_error_prints_like_apimachinery() -> None:
    error = FieldError("FieldValueRequired", "spec.ports", "Required value")
    assert str(error) == "spec.ports: Required value"


def test_invalid_name_is_reported_with_the_rfc1123_message() -> None:
    errors = validate(
        _rt(_deployment()), _defaulted(_deployment(metadata={"name": "Foo_bar"})), None
    )
    assert errors == [
        FieldError(
            "FieldValueInvalid", "metadata.name", f'Invalid value: "Foo_bar": {SUBDOMAIN_MSG}'
        )
    ]


def test_name_required_unless_generate_name() -> None:
    nameless = _deployment()
    del nameless["metadata"]["name"]
    assert _errors(nameless) == ["metadata.name: Required value: name or generateName is required"]
    nameless["metadata"]["generateName"] = "web-"
    assert _errors(nameless) == []


def test_names_by_kind() -> None:
    role: dict[str, Any] = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "system:controller:Odd_Name"},
    }
    assert _errors(role) == []
    role["metadata"]["name"] = "a/b"
    assert _errors(role) == ["metadata.name: Invalid value: \"a/b\": may not contain '/'"]
    namespace: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "team.a"},
    }
    assert _errors(namespace) == ['metadata.name: Invalid value: "team.a": must not contain dots']


def test_missing_container_image() -> None:
    obj = _deployment()
    del obj["spec"]["template"]["spec"]["containers"][0]["image"]
    assert _errors(obj) == ["spec.template.spec.containers[0].image: Required value"]


def test_selector_must_match_template_labels() -> None:
    obj = _deployment(selector={"matchLabels": {"app": "api"}})
    assert _errors(obj) == [
        'spec.template.metadata.labels: Invalid value: {"app":"web"}: '
        "`selector` does not match template `labels`"
    ]


def test_missing_selector_reports_both_errors() -> None:
    obj = _deployment()
    del obj["spec"]["selector"]
    assert _errors(obj) == [
        "spec.selector: Required value",
        'spec.template.metadata.labels: Invalid value: {"app":"web"}: '
        "`selector` does not match template `labels`",
    ]


def test_selector_is_immutable_on_update() -> None:
    old = _deployment()
    new = _deployment(selector={"matchLabels": {"app": "web", "tier": "front"}})
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "front"
    errors = validate(_rt(new), _defaulted(new), _defaulted(old))
    assert errors == [
        FieldError(
            "FieldValueInvalid",
            "spec.selector",
            'Invalid value: {"matchLabels":{"app":"web","tier":"front"}}: field is immutable',
        )
    ]
    assert _errors(_deployment(replicas=5), old) == []


def test_rolling_update_with_nothing_to_move() -> None:
    obj = _deployment(
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}
    )
    assert _errors(obj) == [
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: "
        "may not be 0 when `maxSurge` is 0"
    ]


def test_container_details() -> None:
    obj = _deployment()
    obj["spec"]["template"]["spec"]["containers"][0].update(
        {
            "name": "Web",
            "ports": [{"containerPort": 70000}],
            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
            "imagePullPolicy": "Sometimes",
        }
    )
    assert _errors(obj) == [
        'spec.template.spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label '
        "must consist of lower case alphanumeric characters or '-', and must start and end with "
        "an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        "spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: "
        "must be between 1 and 65535, inclusive",
        'spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"',
        'spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": '
        'supported values: "Always", "IfNotPresent", "Never"',
    ]


def test_job_needs_a_restart_policy_other_than_always() -> None:
    job: dict[str, Any] = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"job-name": "pi"}},
            "template": {
                "metadata": {"labels": {"job-name": "pi"}},
                "spec": {"containers": [{"name": "pi", "image": "perl"}]},
            },
        },
    }
    assert _errors(job) == [
        'spec.template.spec.restartPolicy: Unsupported value: "Always": '
        'supported values: "OnFailure", "Never"'
    ]


def test_job_template_is_immutable() -> None:
    job: dict[str, Any] = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"job-name": "pi"}},
            "template": {
                "metadata": {"labels": {"job-name": "pi"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]},
            },
        },
    }
    changed = copy.deepcopy(job)
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "perl:2"
    errors = _errors(changed, job)
    assert len(errors) == 1
    assert errors[0].startswith("spec.template: Invalid value: {")
    assert errors[0].endswith(": field is immutable")


def test_service_checks() -> None:
    service: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "web"}},
    }
    assert _errors(service) == ["spec.ports: Required value"]
    service["spec"]["ports"] = [{"port": 80}, {"port": 443}]
    assert _errors(service) == [
        "spec.ports[0].name: Required value",
        "spec.ports[1].name: Required value",
    ]


def test_service_cluster_ip_may_not_change() -> None:
    old: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "ports": [{"port": 80}]},
    }
    new = copy.deepcopy(old)
    new["spec"].update({"clusterIP": "10.96.0.11", "clusterIPs": ["10.96.0.11"]})
    assert _errors(new, old) == [
        'spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set'
    ]


def test_immutable_config_map_and_secret_type() -> None:
    config_map: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "default"},
        "immutable": True,
        "data": {"a": "1"},
    }
    changed = copy.deepcopy(config_map)
    changed["data"]["a"] = "2"
    assert _errors(changed, config_map) == [
        "data: Forbidden: field is immutable when `immutable` is set"
    ]
    secret: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "default"},
        "data": {"tls.crt": "YQ==", "tls.key": "Yg=="},
    }
    retyped = copy.deepcopy(secret)
    retyped["type"] = "kubernetes.io/tls"
    assert _errors(retyped, secret) == [
        'type: Invalid value: "kubernetes.io/tls": field is immutable'
    ]


def test_tls_secret_requires_its_keys() -> None:
    secret: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "default"},
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": "YQ=="},
    }
    assert _errors(secret) == ["data[tls.key]: Required value"]


def test_ingress_path_type_is_required() -> None:
    ingress: dict[str, Any] = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "rules": [
                {
                    "host": "web.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ]
        },
    }
    assert _errors(ingress) == [
        "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"
    ]


def test_role_binding_role_ref() -> None:
    binding: dict[str, Any] = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "b", "namespace": "default"},
        "roleRef": {"kind": "Roles", "name": "reader"},
        "subjects": [{"kind": "ServiceAccount", "name": "web"}],
    }
    assert _errors(binding) == [
        'roleRef.kind: Unsupported value: "Roles": supported values: "Role", "ClusterRole"'
    ]
    fixed = copy.deepcopy(binding)
    fixed["roleRef"]["kind"] = "Role"
    moved = copy.deepcopy(fixed)
    moved["roleRef"]["name"] = "writer"
    assert _errors(moved, fixed) == [
        'roleRef: Invalid value: {"APIGroup":"rbac.authorization.k8s.io","Kind":"Role",'
        '"Name":"writer"}: cannot change roleRef'
    ]


def test_pod_updates_are_limited_to_mutable_fields() -> None:
    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]},
    }
    new_image = copy.deepcopy(pod)
    new_image["spec"]["containers"][0]["image"] = "nginx:1.26"
    assert _errors(new_image, pod) == []
    restarted = copy.deepcopy(pod)
    restarted["spec"]["restartPolicy"] = "Never"
    errors = _errors(restarted, pod)
    assert len(errors) == 1
    assert errors[0].startswith(
        "spec: Forbidden: pod updates may not change fields other than "
        "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`"
    )


def test_label_values_are_checked() -> None:
    obj = _deployment(metadata={"labels": {"team": "a b"}})
    assert _errors(obj) == [
        'metadata.labels: Invalid value: "a b": a valid label must be an empty string or consist '
        "of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    ]


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
                                "required": ["size"],
                                "properties": {
                                    "size": {"type": "integer", "minimum": 1, "maximum": 10},
                                    "color": {"type": "string", "enum": ["red", "blue"]},
                                    "name": {"type": "string", "maxLength": 5},
                                },
                            }
                        },
                    }
                },
            }
        ],
    },
}


def _widget(spec: dict[str, Any]) -> tuple[ResourceType, dict[str, Any]]:
    rt = custom_types_from_crd(WIDGET_CRD)[0]
    obj = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "default"},
        "spec": spec,
    }
    apply_defaults(rt, obj)
    return rt, obj


def test_custom_resource_schema_violations() -> None:
    rt, obj = _widget({"size": "big", "color": "green"})
    assert [str(e) for e in validate(rt, obj, None)] == [
        'spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"',
        'spec.color: Unsupported value: "green": supported values: "red", "blue"',
    ]
    rt, obj = _widget({"color": "red"})
    assert validate(rt, obj, None) == [
        FieldError("FieldValueRequired", "spec.size", "Required value")
    ]
    rt, obj = _widget({"size": 11, "name": "toolong"})
    assert [str(e) for e in validate(rt, obj, None)] == [
        "spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10",
        "spec.name: Too long: may not be more than 5 bytes",
    ]
    rt, obj = _widget({"size": 3, "color": "blue"})
    assert validate(rt, obj, None) == []


def test_unknown_fields_are_listed_in_document_order() -> None:
    schema = REGISTRY.by_kind("apps", "Deployment")
    assert schema is not None
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labelz": {}},
        "spec": {
            "replicas": 1,
            "foo": True,
            "template": {"spec": {"containers": [{"name": "c", "imagePullPolicyy": "Always"}]}},
        },
    }
    assert unknown_fields(schema.schema(), obj) == [
        "metadata.labelz",
        "spec.foo",
        "spec.template.spec.containers[0].imagePullPolicyy",
    ]
    rt = custom_types_from_crd(WIDGET_CRD)[0]
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"size": 1, "sise": 2}}
    assert unknown_fields(rt.schema(), widget) == ["spec.sise"]


REALISTIC: list[dict[str, Any]] = [
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "labels": {"app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web"},
            "annotations": {"argocd.argoproj.io/sync-wave": "1"},
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}, "annotations": {"checksum/config": "abc"}},
                "spec": {
                    "serviceAccountName": "web",
                    "securityContext": {"runAsNonRoot": True, "fsGroup": 2000},
                    "tolerations": [
                        {
                            "key": "dedicated",
                            "operator": "Equal",
                            "value": "web",
                            "effect": "NoSchedule",
                        }
                    ],
                    "affinity": {
                        "podAntiAffinity": {
                            "preferredDuringSchedulingIgnoredDuringExecution": [
                                {
                                    "weight": 100,
                                    "podAffinityTerm": {
                                        "labelSelector": {"matchLabels": {"app": "web"}},
                                        "topologyKey": "kubernetes.io/hostname",
                                    },
                                }
                            ]
                        }
                    },
                    "initContainers": [
                        {"name": "migrate", "image": "web:1.2.3", "args": ["migrate"]}
                    ],
                    "containers": [
                        {
                            "name": "web",
                            "image": "ghcr.io/acme/web:1.2.3",
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "env": [
                                {
                                    "name": "POD_NAME",
                                    "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
                                },
                                {
                                    "name": "PASSWORD",
                                    "valueFrom": {
                                        "secretKeyRef": {"name": "db", "key": "password"}
                                    },
                                },
                                {
                                    "name": "MEM",
                                    "valueFrom": {
                                        "resourceFieldRef": {"resource": "limits.memory"}
                                    },
                                },
                            ],
                            "envFrom": [{"configMapRef": {"name": "web"}}],
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "128Mi"},
                                "limits": {"cpu": 1, "memory": "256Mi"},
                            },
                            "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                            "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 5},
                            "securityContext": {
                                "allowPrivilegeEscalation": False,
                                "capabilities": {"drop": ["ALL"]},
                            },
                            "volumeMounts": [
                                {"name": "config", "mountPath": "/etc/web"},
                                {"name": "tmp", "mountPath": "/tmp"},
                            ],
                        }
                    ],
                    "volumes": [
                        {
                            "name": "config",
                            "configMap": {
                                "name": "web",
                                "items": [{"key": "a.yaml", "path": "a.yaml"}],
                            },
                        },
                        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
                    ],
                },
            },
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    },
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["web.example.com"], "secretName": "web-tls"}],
            "rules": [
                {
                    "host": "web.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"name": "http"}}},
                            }
                        ]
                    },
                }
            ],
        },
    },
    {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
    },
    {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "backup", "namespace": "default"},
        "spec": {
            "schedule": "0 3 * * *",
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [{"name": "backup", "image": "backup:1"}],
                        }
                    }
                }
            },
        },
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "web-reader"},
        "rules": [
            {
                "apiGroups": [""],
                "resources": ["pods", "pods/log"],
                "verbs": ["get", "list", "watch"],
            },
            {"nonResourceURLs": ["/metrics"], "verbs": ["get"]},
        ],
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "web-reader"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "web-reader",
        },
        "subjects": [{"kind": "ServiceAccount", "name": "web", "namespace": "default"}],
    },
    {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}},
    },
    {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "default"},
        "spec": {
            "serviceName": "db",
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {
                    "containers": [
                        {
                            "name": "db",
                            "image": "postgres:16",
                            "volumeMounts": [
                                {"name": "data", "mountPath": "/var/lib/postgresql/data"}
                            ],
                        }
                    ]
                },
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            ],
        },
    },
    {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        **WIDGET_CRD,
    },
    {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "pull", "namespace": "default"},
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": "eyJhdXRocyI6e319"},
    },
]


@pytest.mark.parametrize("manifest", REALISTIC, ids=lambda m: m["kind"])
def test_realistic_manifests_validate_clean_on_create_and_reapply(manifest: dict[str, Any]) -> None:
    assert unknown_fields(_rt(manifest).schema(), manifest) == []
    assert _errors(manifest) == []
    assert _errors(manifest, manifest) == []


def test_editing_only_the_singular_cluster_ip_is_rejected_too() -> None:
    old: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "ports": [{"port": 80}]},
    }
    new = copy.deepcopy(old)
    new["spec"]["clusterIP"] = "10.96.0.12"
    assert _errors(new, old) == [
        'spec.clusterIPs[0]: Invalid value: ["10.96.0.12"]: may not change once set'
    ]
