"""Every validation and lint rule: the right rule id, on the line a person has to edit."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_tui.manifests.catalog import RULES
from gitops_tui.manifests.config import RepoConfig
from gitops_tui.manifests.findings import Severity

from .conftest import DEPLOYMENT, load, places, write_tree

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  MODE: dev\n"
SERVICE = (
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
    "spec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n"
)
CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Cluster
  names: {kind: Widget, plural: widgets}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {x-kubernetes-int-or-string: true}
                owner: {type: string, nullable: true}
                extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
                template: {type: object, x-kubernetes-embedded-resource: true}
                count: {type: integer, maximum: 10}
"""


def _check(tmp_path: Path, files: dict[str, str], version: str = "1.37") -> list[str]:
    write_tree(tmp_path, files)
    _, findings = load(tmp_path, RepoConfig(kubernetes_version=version))
    return places(findings)


def _with(old: str, new: str, text: str = DEPLOYMENT) -> str:
    assert old in text
    return text.replace(old, new, 1)


CASES: list[tuple[str, dict[str, str], list[str]]] = [
    ("clean", {"d.yaml": DEPLOYMENT, "s.yaml": SERVICE, "c.yaml": CONFIGMAP}, []),
    (
        "required-fields",
        {"c.yaml": _with("  name: settings\n", "", CONFIGMAP)},
        ["required-fields c.yaml:1:1"],
    ),
    (
        "invalid-name",
        {"c.yaml": _with("settings", "Settings", CONFIGMAP)},
        ["invalid-name c.yaml:4:3"],
    ),
    (
        "invalid-label-value",
        {"d.yaml": _with("        app: web\n", "        app: web server\n")},
        ["selector-mismatch d.yaml:7:3", "invalid-name d.yaml:13:9"],
    ),
    (
        "duplicate-resource",
        {"a.yaml": CONFIGMAP, "b.yaml": "---\n" + CONFIGMAP},
        ["duplicate-resource b.yaml:2:1"],
    ),
    ("schema", {"d.yaml": _with("replicas: 2", "replicas: [2]")}, ["schema d.yaml:6:3"]),
    (
        "unknown-field",
        {"d.yaml": _with("  replicas: 2\n", "  replica: 2\n")},
        ["unknown-field d.yaml:6:3"],
    ),
    (
        "unknown-kind",
        {"d.yaml": _with("kind: Deployment", "kind: Deploy")},
        ["unknown-kind d.yaml:2:1"],
    ),
    (
        "removed-api",
        {"d.yaml": _with("apiVersion: apps/v1", "apiVersion: extensions/v1beta1")},
        ["removed-api d.yaml:1:1"],
    ),
    (
        "plaintext-secret",
        {
            "s.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n"
            "data:\n  token: c2VjcmV0\n"
        },
        ["plaintext-secret s.yaml:5:1"],
    ),
    ("image-tag", {"d.yaml": _with("nginx:1.27", "nginx")}, ["image-tag d.yaml:17:11"]),
    (
        "resource-requests",
        {"d.yaml": _with("              cpu: 100m\n", "")},
        ["resource-requests d.yaml:18:11"],
    ),
    (
        "selector-mismatch",
        {"d.yaml": _with("      app: web\n  template", "      app: api\n  template")},
        ["selector-mismatch d.yaml:7:3"],
    ),
    (
        "service-selector",
        {"d.yaml": DEPLOYMENT, "s.yaml": _with("    app: web\n", "    app: api\n", SERVICE)},
        ["service-selector s.yaml:6:3"],
    ),
    (
        "unknown-namespace",
        {"c.yaml": _with("  name: settings\n", "  name: settings\n  namespace: team\n", CONFIGMAP)},
        ["unknown-namespace c.yaml:5:3"],
    ),
]


@pytest.mark.parametrize(("files", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_reports_its_id_on_the_right_line(
    tmp_path: Path, files: dict[str, str], expected: list[str]
) -> None:
    assert _check(tmp_path, files) == expected


def test_every_rule_in_the_catalog_is_exercised_here_or_in_the_corpus() -> None:
    """The catalog is what docs and configs refer to: each id must be one a check can report."""
    corpus = Path(__file__).parents[1] / "corpus"
    seen = {case[0] for case in CASES} | {
        line.split()[1]
        for expect in corpus.glob("*/expect.yaml")
        for line in expect.read_text().splitlines()
        if line.startswith("  - ")
    }
    # server-dry-run needs a cluster: tests/test_check_cli.py covers it.
    assert set(RULES) - seen == {"server-dry-run"}


def test_deprecated_or_removed_depends_on_the_target_version(tmp_path: Path) -> None:
    pdb = (
        "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\n"
        "spec:\n  minAvailable: 1\n  selector:\n    matchLabels: {app: web}\n"
    )
    hpa = (
        "apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\n"
        "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
        "  maxReplicas: 3\n"
    )
    write_tree(tmp_path, {"pdb.yaml": pdb, "hpa.yaml": hpa})
    for version, expected in (
        ("1.25", ["deprecated-api hpa.yaml:1:1", "removed-api pdb.yaml:1:1"]),
        ("1.26", ["removed-api hpa.yaml:1:1", "removed-api pdb.yaml:1:1"]),
    ):
        _, findings = load(tmp_path, RepoConfig(kubernetes_version=version))
        assert places(findings) == expected
    (removed,) = [f for f in findings if f.source and f.source.path == "hpa.yaml"]
    assert "use autoscaling/v2 instead" in removed.message


def test_a_kind_in_the_wrong_group_names_the_right_api_version(tmp_path: Path) -> None:
    write_tree(tmp_path, {"d.yaml": _with("apiVersion: apps/v1", "apiVersion: batch/v1")})
    _, findings = load(tmp_path)
    (finding,) = findings
    assert (finding.rule, str(finding.source)) == ("unknown-kind", "d.yaml:1:1")
    assert finding.message == "Deployment is not in batch/v1: use apiVersion apps/v1"


def test_identity_fields_of_the_wrong_type_are_not_called_missing(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: 7\nmetadata:\n  name: 42\n"
    write_tree(tmp_path, {"c.yaml": text})
    _, findings = load(tmp_path)
    assert places(findings) == ["required-fields c.yaml:2:1"]
    assert "must be text" in findings[0].message


def test_schema_messages_name_the_field_and_the_fix(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"d.yaml": _with("          image:", "          imagePullPolcy: Always\n          image:")},
    )
    _, findings = load(tmp_path)
    (finding,) = [f for f in findings if f.rule == "unknown-field"]
    assert finding.message == (
        "unknown field 'imagePullPolcy' in spec.template.spec.containers[0]; "
        "did you mean 'imagePullPolicy'?"
    )
    assert finding.severity is Severity.ERROR


def test_no_message_ever_quotes_a_secret_value(tmp_path: Path) -> None:
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
        "data:\n  password: 12345678\n  token: [hunter2]\nstringData:\n  api-key: sk-live-abcdef\n"
    )
    write_tree(tmp_path, {"s.yaml": secret})
    _, findings = load(tmp_path)
    assert {f.rule for f in findings} == {"schema", "plaintext-secret"}
    text = " ".join(f.message for f in findings)
    for value in ("12345678", "hunter2", "sk-live-abcdef"):
        assert value not in text
    assert "api-key" in text  # the key names what to encrypt


def test_encrypted_secrets_are_not_plaintext(tmp_path: Path) -> None:
    sops = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
        "data:\n  password: ENC[AES256_GCM,data:abc,type:str]\nsops:\n  version: 3.8.1\n"
    )
    write_tree(tmp_path, {"s.yaml": sops})
    _, findings = load(tmp_path, RepoConfig(disabled_rules=frozenset({"unknown-field"})))
    assert places(findings) == []


@pytest.mark.parametrize(
    "image",
    ["nginx:1.27", "registry.local:5000/team/app:2.1", "nginx@sha256:" + "a" * 64],
)
def test_pinned_images_pass(tmp_path: Path, image: str) -> None:
    assert _check(tmp_path, {"d.yaml": _with("nginx:1.27", image)}) == []


@pytest.mark.parametrize(
    "image",
    ["nginx", "'nginx:'", "nginx:latest", "registry.local:5000/team/app", "ghcr.io/a/b:latest"],
)
def test_moving_images_warn(tmp_path: Path, image: str) -> None:
    assert _check(tmp_path, {"d.yaml": _with("nginx:1.27", image)}) == ["image-tag d.yaml:17:11"]


def test_init_containers_and_cronjobs_are_linted_too(tmp_path: Path) -> None:
    cronjob = (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n"
        "  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
        "          restartPolicy: Never\n          initContainers:\n"
        "            - name: init\n              image: busybox\n"
        "              resources: {requests: {cpu: 1m, memory: 1Mi}}\n"
        "          containers:\n            - name: main\n              image: busybox:1.36\n"
    )
    assert _check(tmp_path, {"c.yaml": cronjob}) == [
        "image-tag c.yaml:14:15",
        "resource-requests c.yaml:17:15",
    ]


def test_selectors_with_expressions_are_evaluated(tmp_path: Path) -> None:
    matching = _with(
        "    matchLabels:\n      app: web\n",
        "    matchExpressions:\n      - {key: app, operator: In, values: [web, api]}\n",
    )
    missing = _with("operator: In", "operator: NotIn", matching)
    assert _check(tmp_path, {"d.yaml": matching}) == []
    assert _check(tmp_path, {"d.yaml": missing}) == ["selector-mismatch d.yaml:7:3"]


def test_jobs_manage_their_own_selector_and_external_services_select_nothing(
    tmp_path: Path,
) -> None:
    job = (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n"
        "    spec:\n      restartPolicy: Never\n      containers:\n        - name: j\n"
        "          image: busybox:1.36\n          resources: {requests: {cpu: 1m, memory: 1Mi}}\n"
    )
    external = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\n"
        "spec:\n  type: ExternalName\n  externalName: db.example.com\n"
    )
    assert _check(tmp_path, {"j.yaml": job, "s.yaml": external}) == []


def test_service_selector_respects_namespaces(tmp_path: Path) -> None:
    files = {
        "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
        "d.yaml": _with("  name: web\n", "  name: web\n  namespace: shop\n"),
        "s.yaml": SERVICE,  # in default, where no pod has app=web
    }
    assert _check(tmp_path, files) == ["service-selector s.yaml:6:3"]


def test_namespace_rules_know_cluster_scoped_kinds(tmp_path: Path) -> None:
    role = (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n"
        "  name: reader\n  namespace: ignored\nrules: []\n"
    )
    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: x\n"
    assert _check(tmp_path, {"r.yaml": role, "crd.yaml": CRD, "w.yaml": widget}) == []


def test_custom_resources_follow_the_kubernetes_extensions_of_their_crd(tmp_path: Path) -> None:
    ok = (
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: ok\nspec:\n"
        "  size: 10Gi\n  owner: null\n  extra: {anything: [1, 2]}\n"
        "  template: {apiVersion: v1, kind: ConfigMap, metadata: {name: t}}\n  count: 3\n"
    )
    bad = (
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: bad\nspec:\n"
        "  size: [1]\n  count: 11\n  template: {metadata: {name: 5}}\n  colour: red\n"
    )
    assert _check(tmp_path, {"crd.yaml": CRD, "ok.yaml": ok}) == []
    assert _check(tmp_path, {"crd.yaml": CRD, "ok.yaml": ok, "bad.yaml": bad}) == [
        "schema bad.yaml:6:3",
        "schema bad.yaml:7:3",
        "schema bad.yaml:8:25",
        "unknown-field bad.yaml:9:3",
    ]


def test_a_crd_whose_schema_does_not_compile_is_reported_on_the_crd(tmp_path: Path) -> None:
    broken = CRD.replace(
        "count: {type: integer, maximum: 10}", "count: {type: string, pattern: '[x'}"
    )
    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec: {count: a}\n"
    assert _check(tmp_path, {"crd.yaml": broken, "w.yaml": widget}) == ["schema crd.yaml:24:39"]
