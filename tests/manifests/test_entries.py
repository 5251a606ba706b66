"""Every desired state of a repository without a chosen entry point is checked, each on its own."""

from __future__ import annotations

from pathlib import Path

from gitops_tui.manifests.config import RepoConfig
from gitops_tui.manifests.entries import Entry, entries, render_all

from .conftest import DEPLOYMENT, write_tree

KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"


def overlay(name: str) -> str:
    return KUSTOMIZATION + f"namespace: {name}\nresources:\n  - ../../base\n"


def test_each_top_level_kustomization_and_the_plain_files_are_entries(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "base/kustomization.yaml": KUSTOMIZATION + "resources: [web.yaml]\n",
            "base/web.yaml": DEPLOYMENT,
            "overlays/dev/kustomization.yaml": overlay("dev"),
            "overlays/prod/kustomization.yaml": overlay("prod")
            + "components:\n  - ../../components/ha\n",
            "components/ha/kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                "labels:\n  - pairs: {availability: high}\n"
            ),
            "standalone/kustomization.yaml": KUSTOMIZATION + "resources: [cm.yaml]\n",
            "standalone/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n",
            "cluster/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n",
        },
    )
    assert entries(tmp_path, RepoConfig()) == (
        Entry(".", False),
        Entry("overlays/dev", True),
        Entry("overlays/prod", True),
        Entry("standalone", True),
    )
    states = render_all(tmp_path, RepoConfig())
    assert {path: sorted(str(m.key) for m in s.manifests) for path, s in states.items()} == {
        ".": ["Namespace dev"],
        "overlays/dev": ["Deployment.apps dev/web"],
        "overlays/prod": ["Deployment.apps prod/web"],
        "standalone": ["ConfigMap s"],
    }
    # The base's object still points at the base file, in both overlays.
    assert {states[p].manifests[0].source.path for p in ("overlays/dev", "overlays/prod")} == {
        "base/web.yaml"
    }


def test_a_chosen_kustomization_is_the_only_entry(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "base/kustomization.yaml": KUSTOMIZATION + "resources: [web.yaml]\n",
            "base/web.yaml": DEPLOYMENT,
            "overlays/dev/kustomization.yaml": overlay("dev"),
        },
    )
    config = RepoConfig(path="overlays/dev")
    assert entries(tmp_path, config) == (Entry("overlays/dev", True),)
    assert list(render_all(tmp_path, config)) == ["overlays/dev"]


def test_a_plain_tree_is_one_entry_read_as_the_agent_reads_it(tmp_path: Path) -> None:
    write_tree(tmp_path, {"web.yaml": DEPLOYMENT})
    states = render_all(tmp_path, RepoConfig())
    assert list(states) == ["."]
    assert [m.key.name for m in states["."].manifests] == ["web"]
