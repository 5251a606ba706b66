"""Objects as kube-apiserver returns them, for the engine's pure tests.

Each function returns a fresh dict, so a test may edit it freely. The Deployment, Secret,
Service, ConfigMap and Pod were captured after a server-side apply by field manager
``gitops-tui`` (``kubectl apply --server-side``, then ``kubectl get -o json
--show-managed-fields``): their defaults, canonical quantities and managedFields are the
server's, not guesses. Edits: namespace, timestamps, status managedFields trimmed, the
revision annotation kube-controller-manager adds, and on the Secret the last-applied
annotation an earlier client-side ``kubectl apply`` leaves behind (it holds the plaintext).
"""

from __future__ import annotations

import copy
from typing import Any

MANAGER = "gitops-tui"
OWNED = {"app.kubernetes.io/managed-by": "gitops-tui"}

_WEB_APPLY_FIELDS: dict[str, Any] = {
    "f:metadata": {"f:labels": {"f:app": {}, "f:app.kubernetes.io/managed-by": {}}},
    "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:containers": {
                    'k:{"name":"web"}': {
                        ".": {},
                        "f:env": {'k:{"name":"MODE"}': {".": {}, "f:name": {}, "f:value": {}}},
                        "f:image": {},
                        "f:name": {},
                        "f:ports": {
                            'k:{"containerPort":80,"protocol":"TCP"}': {
                                ".": {},
                                "f:containerPort": {},
                            }
                        },
                        "f:resources": {
                            "f:limits": {"f:cpu": {}, "f:memory": {}},
                            "f:requests": {"f:cpu": {}, "f:memory": {}},
                        },
                    }
                }
            },
        },
    },
}

_DEPLOYMENT_STATUS_FIELDS: dict[str, Any] = {
    "f:status": {
        "f:availableReplicas": {},
        "f:conditions": {
            ".": {},
            'k:{"type":"Available"}': {".": {}, "f:message": {}, "f:reason": {}, "f:status": {}},
            'k:{"type":"Progressing"}': {".": {}, "f:message": {}, "f:reason": {}, "f:status": {}},
        },
        "f:observedGeneration": {},
        "f:readyReplicas": {},
        "f:replicas": {},
        "f:updatedReplicas": {},
    }
}


def web_manifest() -> dict[str, Any]:
    """The Deployment as written in Git: no defaults, quantities spelled the human way."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "labels": {"app": "web", **OWNED},
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.25",
                            "ports": [{"containerPort": 80}],
                            "env": [{"name": "MODE", "value": "prod"}],
                            "resources": {
                                "requests": {"cpu": 0.5, "memory": "1024Mi"},
                                "limits": {"cpu": 1, "memory": "1Gi"},
                            },
                        }
                    ]
                },
            },
        },
    }


def web_live(*, replicas: int = 3) -> dict[str, Any]:
    """``web_manifest()`` after apply: defaulted, canonicalised, rolled out."""
    managed: list[dict[str, Any]] = [
        {
            "apiVersion": "apps/v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": copy.deepcopy(_WEB_APPLY_FIELDS),
            "manager": MANAGER,
            "operation": "Apply",
            "time": "2024-05-01T10:00:00Z",
        },
        {
            "apiVersion": "apps/v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": copy.deepcopy(_DEPLOYMENT_STATUS_FIELDS),
            "manager": "kube-controller-manager",
            "operation": "Update",
            "subresource": "status",
            "time": "2024-05-01T10:00:05Z",
        },
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "annotations": {"deployment.kubernetes.io/revision": "1"},
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "generation": 1,
            "labels": {"app": "web", **OWNED},
            "managedFields": managed,
            "name": "web",
            "namespace": "shop",
            "resourceVersion": "4711",
            "uid": "d8c16ef0-8826-417c-b1d0-32bac165e9ac",
        },
        "spec": {
            "progressDeadlineSeconds": 600,
            "replicas": replicas,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                "type": "RollingUpdate",
            },
            "template": {
                "metadata": {"creationTimestamp": None, "labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "env": [{"name": "MODE", "value": "prod"}],
                            "image": "nginx:1.25",
                            "imagePullPolicy": "IfNotPresent",
                            "name": "web",
                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                            "resources": {
                                "limits": {"cpu": "1", "memory": "1Gi"},
                                "requests": {"cpu": "500m", "memory": "1Gi"},
                            },
                            "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File",
                        }
                    ],
                    "dnsPolicy": "ClusterFirst",
                    "restartPolicy": "Always",
                    "schedulerName": "default-scheduler",
                    "securityContext": {},
                    "terminationGracePeriodSeconds": 30,
                },
            },
        },
        "status": {
            "availableReplicas": replicas,
            "conditions": [
                {
                    "lastTransitionTime": "2024-05-01T10:00:05Z",
                    "lastUpdateTime": "2024-05-01T10:00:05Z",
                    "message": "Deployment has minimum availability.",
                    "reason": "MinimumReplicasAvailable",
                    "status": "True",
                    "type": "Available",
                },
                {
                    "lastTransitionTime": "2024-05-01T10:00:00Z",
                    "lastUpdateTime": "2024-05-01T10:00:05Z",
                    "message": 'ReplicaSet "web-7596c6d98c" has successfully progressed.',
                    "reason": "NewReplicaSetAvailable",
                    "status": "True",
                    "type": "Progressing",
                },
            ],
            "observedGeneration": 1,
            "readyReplicas": replicas,
            "replicas": replicas,
            "updatedReplicas": replicas,
        },
    }


def web_edited() -> dict[str, Any]:
    """``web_live()`` after ``kubectl edit`` set replicas to 5 and added a ``team`` label.

    An Update takes the fields it changes away from other managers, so ``kubectl-edit`` now
    owns ``.spec.replicas`` and ``gitops-tui`` no longer does.
    """
    live = web_live(replicas=5)
    meta = live["metadata"]
    meta["generation"] = 2
    meta["labels"]["team"] = "ops"
    live["status"]["observedGeneration"] = 2
    del meta["managedFields"][0]["fieldsV1"]["f:spec"]["f:replicas"]
    meta["managedFields"].append(
        {
            "apiVersion": "apps/v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {"f:team": {}}}, "f:spec": {"f:replicas": {}}},
            "manager": "kubectl-edit",
            "operation": "Update",
            "time": "2024-05-01T11:30:00Z",
        }
    )
    return live


def web_dry_run_over_edit() -> dict[str, Any]:
    """The server-side-apply dry run (forced) of ``web_manifest()`` over ``web_edited()``.

    ``replicas`` goes back to 3; the ``team`` label stays, because it belongs to another manager.
    """
    merged = web_edited()
    merged["spec"]["replicas"] = 3
    merged["metadata"]["generation"] = 3
    fields = merged["metadata"]["managedFields"]
    fields[0]["fieldsV1"]["f:spec"]["f:replicas"] = {}
    fields[0]["time"] = "2024-05-01T12:00:00Z"
    del fields[2]["fieldsV1"]["f:spec"]
    return merged


def secret_manifest() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "shop", "labels": dict(OWNED)},
        "type": "Opaque",
        "stringData": {"password": "hunter2-s3cret"},
        "data": {"user": "YWRtaW4="},
    }


def secret_live(password_b64: str = "aHVudGVyMi1zM2NyZXQ=") -> dict[str, Any]:
    """``secret_manifest()`` applied: ``stringData`` folded into ``data`` by the server."""
    return {
        "apiVersion": "v1",
        "data": {"password": password_b64, "user": "YWRtaW4="},
        "kind": "Secret",
        "metadata": {
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": (
                    '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},'
                    '"stringData":{"password":"hunter2-s3cret"}}'
                )
            },
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "labels": dict(OWNED),
            "managedFields": [
                {
                    "apiVersion": "v1",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:data": {"f:user": {}},
                        "f:metadata": {"f:labels": {"f:app.kubernetes.io/managed-by": {}}},
                        "f:stringData": {"f:password": {}},
                        "f:type": {},
                    },
                    "manager": MANAGER,
                    "operation": "Apply",
                    "time": "2024-05-01T10:00:00Z",
                }
            ],
            "name": "db",
            "namespace": "shop",
            "resourceVersion": "75",
            "uid": "d4031755-6621-4de7-85ba-1bb1dfe65616",
        },
        "type": "Opaque",
    }


def service_live() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "labels": dict(OWNED),
            "managedFields": [
                {
                    "apiVersion": "v1",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:metadata": {"f:labels": {"f:app.kubernetes.io/managed-by": {}}},
                        "f:spec": {
                            "f:ports": {
                                'k:{"port":80,"protocol":"TCP"}': {
                                    ".": {},
                                    "f:name": {},
                                    "f:port": {},
                                    "f:targetPort": {},
                                }
                            },
                            "f:selector": {},
                        },
                    },
                    "manager": MANAGER,
                    "operation": "Apply",
                    "time": "2024-05-01T10:00:00Z",
                }
            ],
            "name": "web",
            "namespace": "shop",
            "resourceVersion": "76",
            "uid": "e0794da0-b076-4787-b2ab-7839123cd677",
        },
        "spec": {
            "clusterIP": "10.101.106.149",
            "clusterIPs": ["10.101.106.149"],
            "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
            "selector": {"app": "web"},
            "sessionAffinity": "None",
            "type": "ClusterIP",
        },
        "status": {"loadBalancer": {}},
    }


def configmap_live() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "data": {"LOG_LEVEL": "info", "app.properties": "greeting=hello\n"},
        "kind": "ConfigMap",
        "metadata": {
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "labels": dict(OWNED),
            "managedFields": [
                {
                    "apiVersion": "v1",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:data": {"f:LOG_LEVEL": {}, "f:app.properties": {}},
                        "f:metadata": {"f:labels": {"f:app.kubernetes.io/managed-by": {}}},
                    },
                    "manager": MANAGER,
                    "operation": "Apply",
                    "time": "2024-05-01T10:00:00Z",
                }
            ],
            "name": "settings",
            "namespace": "shop",
            "resourceVersion": "78",
            "uid": "29368e74-1319-4db7-88c0-60406aa3f15e",
        },
    }


def running_pod() -> dict[str, Any]:
    """A ready pod of ``web``, as the kubelet reports it."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "creationTimestamp": "2024-05-01T10:00:01Z",
            "generateName": "web-7596c6d98c-",
            "labels": {"app": "web", "pod-template-hash": "7596c6d98c"},
            "name": "web-7596c6d98c-b8vdl",
            "namespace": "shop",
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "blockOwnerDeletion": True,
                    "controller": True,
                    "kind": "ReplicaSet",
                    "name": "web-7596c6d98c",
                    "uid": "51ae7b15-eef1-4c0b-bf81-91c1f6e13f6a",
                }
            ],
            "resourceVersion": "60",
            "uid": "7caf3d82-3b24-4d00-aba5-edbed744fdd0",
        },
        "spec": {
            "containers": [
                {
                    "image": "nginx:1.25",
                    "imagePullPolicy": "IfNotPresent",
                    "name": "web",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                }
            ],
            "dnsPolicy": "ClusterFirst",
            "enableServiceLinks": True,
            "nodeName": "gitops-tui-control-plane",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "serviceAccountName": "default",
            "terminationGracePeriodSeconds": 30,
        },
        "status": {
            "conditions": [
                {
                    "lastTransitionTime": "2024-05-01T10:00:02Z",
                    "status": "True",
                    "type": "Initialized",
                },
                {"lastTransitionTime": "2024-05-01T10:00:04Z", "status": "True", "type": "Ready"},
                {
                    "lastTransitionTime": "2024-05-01T10:00:04Z",
                    "status": "True",
                    "type": "ContainersReady",
                },
                {
                    "lastTransitionTime": "2024-05-01T10:00:01Z",
                    "status": "True",
                    "type": "PodScheduled",
                },
            ],
            "containerStatuses": [
                {
                    "containerID": "containerd://aa8e73cbb26a6532190772b031bb5fa2ed9ec766977765dc",
                    "image": "docker.io/library/nginx:1.25",
                    "imageID": "docker.io/library/nginx@sha256:b07c1fa29c8dc936d6db6891b04d7647",
                    "lastState": {},
                    "name": "web",
                    "ready": True,
                    "restartCount": 0,
                    "started": True,
                    "state": {"running": {"startedAt": "2024-05-01T10:00:03Z"}},
                }
            ],
            "hostIP": "172.18.0.2",
            "phase": "Running",
            "podIP": "10.244.0.4",
            "qosClass": "Burstable",
            "startTime": "2024-05-01T10:00:01Z",
        },
    }
