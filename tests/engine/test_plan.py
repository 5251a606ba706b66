"""Plans apply in kind order, prune in reverse, and never delete what is not ours."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from gitops_tui.engine.diff import DiffItem
from gitops_tui.engine.plan import (
    OWNERSHIP_LABEL,
    OWNERSHIP_VALUE,
    ChangeSet,
    Pair,
    Step,
    is_owned,
    pair,
    plan,
)
from gitops_tui.model import ResourceKey
from tests.engine.objects import OWNED


def _obj(
    api_version: str, kind: str, name: str, namespace: str = "shop", **extra: Any
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "labels": dict(OWNED)}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **extra}


def _key(obj: dict[str, Any]) -> ResourceKey:
    meta = obj["metadata"]
    return ResourceKey.from_manifest(
        obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"]
    )


def _unowned(obj: dict[str, Any]) -> dict[str, Any]:
    obj["metadata"]["labels"] = {"app": "legacy"}
    return obj


def _by_key(*objs: dict[str, Any]) -> dict[ResourceKey, dict[str, Any]]:
    return {_key(obj): obj for obj in objs}


NAMESPACE = _obj("v1", "Namespace", "shop", namespace="")
CRD = _obj(
    "apiextensions.k8s.io/v1",
    "CustomResourceDefinition",
    "certificates.cert-manager.io",
    namespace="",
    spec={"group": "cert-manager.io", "names": {"kind": "Certificate", "plural": "certificates"}},
)
CERTIFICATE = _obj("cert-manager.io/v1", "Certificate", "shop-tls")
SERVICE_ACCOUNT = _obj("v1", "ServiceAccount", "web")
ROLE = _obj("rbac.authorization.k8s.io/v1", "Role", "web")
ROLE_BINDING = _obj("rbac.authorization.k8s.io/v1", "RoleBinding", "web")
CONFIGMAP = _obj("v1", "ConfigMap", "settings")
SECRET = _obj("v1", "Secret", "db")
SERVICE = _obj("v1", "Service", "web")
DEPLOYMENT = _obj("apps/v1", "Deployment", "web")
INGRESS = _obj("networking.k8s.io/v1", "Ingress", "web")
HPA = _obj("autoscaling/v2", "HorizontalPodAutoscaler", "web")
PDB = _obj("policy/v1", "PodDisruptionBudget", "web")
LEASE = _obj("coordination.k8s.io/v1", "Lease", "web")

KIND_ORDER = [
    "Namespace",
    "CustomResourceDefinition",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ConfigMap",
    "Secret",
    "Service",
    "Deployment",
    "Ingress",
    "HorizontalPodAutoscaler",
    "Lease",
    "Certificate",
]
EVERYTHING = [
    CERTIFICATE,
    LEASE,
    HPA,
    INGRESS,
    DEPLOYMENT,
    SERVICE,
    SECRET,
    CONFIGMAP,
    ROLE_BINDING,
    ROLE,
    SERVICE_ACCOUNT,
    PDB,
    CRD,
    NAMESPACE,
]


def test_pair_matches_desired_and_live_by_key() -> None:
    pairs = pair(_by_key(DEPLOYMENT, SERVICE), _by_key(SERVICE, CONFIGMAP))
    assert [(p.key.kind, p.desired is not None, p.live is not None) for p in pairs] == [
        ("ConfigMap", False, True),
        ("Service", True, True),
        ("Deployment", True, False),
    ]


def test_a_pair_has_at_least_one_side() -> None:
    with pytest.raises(ValueError, match="desired or a live"):
        Pair(_key(SERVICE), None, None)


def test_creates_run_in_kind_order() -> None:
    steps = plan(pair(_by_key(*EVERYTHING), {}), prune=True).steps
    assert [step.key.kind for step in steps] == KIND_ORDER
    assert {step.action for step in steps} == {"create"}


def test_prunes_run_in_reverse_kind_order_after_applies() -> None:
    live = _by_key(*EVERYTHING)
    desired = _by_key(NAMESPACE, CONFIGMAP)
    pairs = [dataclasses.replace(p, drift=()) for p in pair(desired, live)]
    steps = plan(pairs, prune=True).steps
    assert [(step.action, step.key.kind) for step in steps] == [
        ("unchanged", "Namespace"),
        ("unchanged", "ConfigMap"),
        *[
            ("delete", kind)
            for kind in reversed(KIND_ORDER)
            if kind not in ("Namespace", "ConfigMap")
        ],
    ]


def test_apply_actions_follow_the_diff() -> None:
    drifted = DiffItem("change", ".spec.replicas", 3, 5)
    pairs = [
        Pair(_key(CONFIGMAP), CONFIGMAP, CONFIGMAP, drift=()),
        Pair(_key(DEPLOYMENT), DEPLOYMENT, DEPLOYMENT, drift=(drifted,)),
        Pair(_key(SERVICE), SERVICE, SERVICE),
        Pair(_key(SECRET), SECRET, None),
    ]
    assert plan(pairs, prune=False).steps == (
        Step("unchanged", _key(CONFIGMAP), "in sync"),
        Step("create", _key(SECRET), "not in the cluster"),
        Step("configure", _key(SERVICE), "not compared with the live object"),
        Step("configure", _key(DEPLOYMENT), "drifted: .spec.replicas"),
    )


def test_unowned_objects_are_never_deleted() -> None:
    legacy = _unowned(_obj("apps/v1", "Deployment", "legacy"))
    result = plan(pair({}, _by_key(legacy, CONFIGMAP)), prune=True)
    assert result.steps == (
        Step(
            "skip",
            _key(legacy),
            f"not owned by gitops-tui (no {OWNERSHIP_LABEL}={OWNERSHIP_VALUE} label)",
        ),
        Step("delete", _key(CONFIGMAP), "no longer in Git"),
    )


def test_nothing_is_deleted_when_pruning_is_off() -> None:
    steps = plan(pair({}, _by_key(*EVERYTHING)), prune=False).steps
    assert {step.action for step in steps} == {"skip"}
    assert steps[0].reason == "no longer in Git; pruning is disabled"


def test_a_namespace_holding_objects_that_stay_is_not_pruned() -> None:
    legacy = _unowned(_obj("v1", "ConfigMap", "legacy"))
    steps = plan(pair(_by_key(DEPLOYMENT), _by_key(NAMESPACE, legacy, CONFIGMAP)), prune=True).steps
    assert [(step.action, step.key.kind) for step in steps] == [
        ("create", "Deployment"),
        ("delete", "ConfigMap"),
        ("skip", "ConfigMap"),
        ("skip", "Namespace"),
    ]
    assert steps[-1].reason == (
        "deleting it would also delete 2 object(s) that must stay, e.g. ConfigMap shop/legacy"
    )


def test_a_crd_whose_custom_resources_stay_is_not_pruned() -> None:
    steps = plan(pair(_by_key(CERTIFICATE), _by_key(CRD)), prune=True).steps
    assert steps[-1].action == "skip"
    assert "Certificate.cert-manager.io shop/shop-tls" in steps[-1].reason
    assert plan(pair({}, _by_key(CRD, CERTIFICATE)), prune=True).changes == ChangeSet(deleted=2)


def test_custom_owned_predicate() -> None:
    steps = plan(pair({}, _by_key(CONFIGMAP)), prune=True, owned=lambda obj: False).steps
    assert steps[0].action == "skip"


def test_is_owned_reads_the_ownership_label() -> None:
    assert is_owned(CONFIGMAP)
    assert not is_owned(_unowned(_obj("v1", "ConfigMap", "x")))
    assert not is_owned({"metadata": {"labels": {OWNERSHIP_LABEL: "helm"}}})
    assert not is_owned({"metadata": {}})


def test_change_set_counts_each_action() -> None:
    live = _by_key(DEPLOYMENT, SERVICE, _unowned(_obj("v1", "ConfigMap", "legacy")), SECRET)
    desired = _by_key(DEPLOYMENT, SERVICE, INGRESS)
    pairs = [
        dataclasses.replace(
            p, drift=(DiffItem("remove", ".x", None, 1),) if p.key.kind == "Service" else ()
        )
        for p in pair(desired, live)
    ]
    changes = plan(pairs, prune=True).changes
    assert changes == ChangeSet(created=1, configured=1, unchanged=1, deleted=1, skipped=1)
    assert str(changes) == "1 created, 1 configured, 1 unchanged, 1 deleted, 1 skipped"
