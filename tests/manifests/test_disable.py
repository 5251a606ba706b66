"""Rules a repository or one object opts out of are not reported; typos in opt-outs are."""

from __future__ import annotations

from pathlib import Path

from .conftest import DEPLOYMENT, load, places, write_tree

LATEST = DEPLOYMENT.replace("nginx:1.27", "nginx:latest")
ORPHAN_SERVICE = (
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: legacy\n{annotations}"
    "spec:\n  selector:\n    app: legacy\n  ports:\n    - port: 80\n"
)


def _annotated(text: str, rules: str) -> str:
    return text.replace(
        "  name: web\n", f"  name: web\n  annotations:\n    gitops-tui.dev/disable-rules: {rules}\n"
    )


def test_a_repository_disables_rules_in_its_config_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {"d.yaml": LATEST, "s.yaml": ORPHAN_SERVICE.format(annotations="")})
    _, findings = load(tmp_path)
    assert places(findings) == ["image-tag d.yaml:17:11", "service-selector s.yaml:6:3"]

    write_tree(tmp_path, {".gitops-tui.yaml": "disabledRules:\n  - image-tag\n"})
    _, findings = load(tmp_path)
    assert places(findings) == ["service-selector s.yaml:6:3"]


def test_an_annotation_disables_rules_for_its_object_only(tmp_path: Path) -> None:
    other = LATEST.replace("name: web", "name: other")
    write_tree(
        tmp_path,
        {"web.yaml": _annotated(LATEST, "image-tag, resource-requests"), "other.yaml": other},
    )
    _, findings = load(tmp_path)
    assert places(findings) == ["image-tag other.yaml:17:11"]


def test_an_annotation_also_silences_rules_about_the_whole_repository(tmp_path: Path) -> None:
    annotations = "  annotations:\n    gitops-tui.dev/disable-rules: service-selector\n"
    write_tree(tmp_path, {"s.yaml": ORPHAN_SERVICE.format(annotations=annotations)})
    _, findings = load(tmp_path)
    assert places(findings) == []


def test_errors_can_be_disabled_too_and_then_do_not_fail_the_check(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "d.yaml": _annotated(DEPLOYMENT.replace("replicas: 2", "replicas: many"), "schema"),
        },
    )
    _, findings = load(tmp_path)
    assert not any(f.is_error for f in findings)


def test_unknown_rule_ids_are_pointed_out_where_they_are_written(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".gitops-tui.yaml": "# opt-outs\ndisabledRules: [image-tags]\n",
            "d.yaml": _annotated(DEPLOYMENT, "resource-request"),
        },
    )
    _, findings = load(tmp_path)
    assert places(findings) == ["config .gitops-tui.yaml:2:1", "config d.yaml:6:5"]
    assert all(not f.is_error for f in findings)
    assert "'resource-request'" in findings[1].message
