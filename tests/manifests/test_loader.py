"""Loading manifest files: every object found, with the file and line it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_tui.manifests.config import RepoConfig
from gitops_tui.manifests.loader import load_file, load_files, manifest_paths
from gitops_tui.manifests.render import render
from gitops_tui.manifests.yamlpos import parse
from gitops_tui.model import ResourceKey

from .conftest import write_tree


def test_multi_document_file_keeps_each_objects_line_and_skips_empty_documents() -> None:
    text = (
        "---\n"
        "# only a comment\n"
        "---\n"
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        "  name: one\n"
        "---\n"
        "---\n"
        "apiVersion: v1\n"
        "kind: Service\n"
        "metadata:\n"
        "  name: two\n"
        "  namespace: shop\n"
        "...\n"
    )
    result = load_file("all.yaml", text.encode())
    assert [(m.key, str(m.source)) for m in result.manifests] == [
        (ResourceKey("", "ConfigMap", "", "one"), "all.yaml:4:1"),
        (ResourceKey("", "Service", "shop", "two"), "all.yaml:10:1"),
    ]
    assert result.findings == ()


def test_list_kinds_are_expanded_into_their_items_at_the_items_lines() -> None:
    text = (
        "apiVersion: v1\n"
        "kind: List\n"
        "items:\n"
        "  - apiVersion: v1\n"
        "    kind: ConfigMap\n"
        "    metadata: {name: a}\n"
        "  - apiVersion: apps/v1\n"
        "    kind: DeploymentList\n"
        "    items:\n"
        "      - apiVersion: apps/v1\n"
        "        kind: Deployment\n"
        "        metadata:\n"
        "          name: nested\n"
    )
    result = load_file("list.yaml", text.encode())
    assert [(m.kind, m.key.name, m.source.line) for m in result.manifests] == [
        ("ConfigMap", "a", 4),
        ("Deployment", "nested", 10),
    ]
    assert result.manifests[1].position_of(("metadata", "name")).line == 13


def test_json_manifests_load_with_positions() -> None:
    text = (
        '{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n'
        '  "metadata": {\n    "name": "j"\n  }\n}\n'
    )
    (manifest,) = load_file("cm.json", text.encode()).manifests
    assert manifest.key == ResourceKey("", "ConfigMap", "", "j")
    assert manifest.position_of(("metadata", "name")).line == 5


def test_position_of_a_missing_field_is_its_nearest_written_ancestor() -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: ClusterIP\n"
    (manifest,) = load_file("svc.yaml", text.encode()).manifests
    assert str(manifest.position_of(("spec", "type"))) == "svc.yaml:6:3"
    assert str(manifest.position_of(("spec", "ports", 0, "port"))) == "svc.yaml:5:1"


def test_values_are_what_kubectl_makes_of_the_yaml() -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v\n"
        "data:\n  when: 2024-01-01\n  quoted: '42'\n"
        "defaults: &defaults\n  a: 1\nmerged:\n  <<: *defaults\n  b: 2\n"
    )
    (manifest,) = load_file("v.yaml", text.encode()).manifests
    assert manifest.body["data"] == {"when": "2024-01-01", "quoted": "42"}
    assert manifest.body["merged"] == {"a": 1, "b": 2}


def test_documents_that_are_not_objects_are_ignored_but_a_nameless_object_is_kept() -> None:
    text = "replicaCount: 2\n---\n- a\n- b\n---\njust text\n---\nmetadata:\n  name: orphan\n"
    result = load_file("mixed.yaml", text.encode())
    assert [(m.kind, m.key.name, m.source.line) for m in result.manifests] == [("", "orphan", 8)]


def test_manifest_paths_skip_hidden_folders_kustomizations_and_helm_charts() -> None:
    paths = [
        "app/deploy.yaml",
        "app/svc.yml",
        "app/cm.json",
        "app/README.md",
        "app/kustomization.yaml",
        ".github/workflows/ci.yaml",
        "chart/Chart.yaml",
        "chart/templates/deploy.yaml",
        "notes.txt",
    ]
    assert manifest_paths(paths) == ["app/cm.json", "app/deploy.yaml", "app/svc.yml"]


def test_a_tree_is_read_with_paths_relative_to_its_root(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
            ".git/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hidden\n",
            "empty.yaml": "",
        },
    )
    (tmp_path / "a" / "zero.yaml").symlink_to("/dev/zero")  # a device is not a manifest
    result = render(tmp_path, RepoConfig())
    assert [(m.key.name, m.source.path) for m in result.manifests] == [("a", "a/cm.yaml")]
    assert result.findings == ()


def test_a_broken_file_does_not_hide_the_others() -> None:
    files = {
        "bad.yaml": b"apiVersion: v1\nkind: [\n",
        "good.yaml": b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n",
    }
    result = load_files(files)
    assert [m.key.name for m in result.manifests] == ["fine"]
    assert [(f.rule, f.source.path if f.source else None) for f in result.findings] == [
        ("yaml-syntax", "bad.yaml")
    ]


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        # A key indented less than its siblings: the line to fix, not where the mapping began.
        ("a:\n    b: 1\n  c: 2\n", "3:3", "indentation"),
        # A key without ':' is only noticed on the next line.
        ("a:\n  b 1\n  c: 2\n", "2:3", "no ':'"),
        ("kind\n  x: 1\n", "1:1", "no ':'"),
        # Unclosed quotes and brackets: where they were opened.
        ("a: 'open\nb: c\n", "1:4", "never closed"),
        ("a: {b: 1\nc: d\n", "1:4", "never closed"),
        ("a: [1, 2\nc: d\n", "1:4", "never closed"),
        # A missing comma in JSON is where the next element starts.
        ('{"a": 1\n "b": 2}\n', "2:2", "',' is missing"),
        ('{"a": "x"\n "b": 2}\n', "2:2", "',' is missing"),
        ("a: b: c\n", "1:5", "quote a value"),
        ("a:\n  b: x\n   c: 2\n", "3:4", "indented deeper"),
        ("a:\n\tb: 1\n", "2:1", "tab"),
        ("a: *nowhere\n", "1:4", "alias"),
        ("a: 1\n\x07b: 2\n", "2:1", "binary"),
    ],
)
def test_syntax_errors_point_at_the_line_and_column_to_fix(
    text: str, where: str, words: str
) -> None:
    (finding,) = parse("f.yaml", text.encode()).findings
    assert finding.rule == "yaml-syntax"
    assert str(finding.source) == f"f.yaml:{where}"
    assert words in finding.message


def test_documents_before_a_syntax_error_still_load() -> None:
    text = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\na: [\n"
    result = load_file("f.yaml", text)
    assert [m.key.name for m in result.manifests] == ["ok"]
    assert [f.rule for f in result.findings] == ["yaml-syntax"]


def test_a_duplicate_key_is_an_error_on_the_second_occurrence() -> None:
    text = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
    result = load_file("f.yaml", text)
    (finding,) = result.findings
    assert (finding.rule, str(finding.source)) == ("yaml-duplicate-key", "f.yaml:5:3")
    assert "line 4" in finding.message


def test_binary_files_and_other_encodings_are_errors_not_crashes() -> None:
    (binary,) = parse("logo.yaml", bytes(range(256)) * 8).findings
    assert (binary.rule, str(binary.source)) == ("yaml-syntax", "logo.yaml:1:1")
    assert "binary" in binary.message
    (latin1,) = parse("f.yaml", "a: 1\nb: caf\u00e9\n".encode("latin-1")).findings
    assert str(latin1.source) == "f.yaml:2:7"
    assert "UTF-8" in latin1.message


def test_a_byte_order_mark_is_accepted() -> None:
    (manifest,) = load_file(
        "bom.yaml", b"\xef\xbb\xbfapiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
    ).manifests
    assert manifest.key.name == "a"


@pytest.mark.parametrize("text", ["[" * 100_000, "[" * 50_000 + "]" * 50_000, "- " * 60_000])
def test_absurd_nesting_is_an_error_not_a_crash(text: str) -> None:
    (finding,) = parse("deep.yaml", text.encode()).findings
    assert (finding.rule, finding.source.line if finding.source else 0) == ("yaml-syntax", 1)
    assert "500 levels" in finding.message


def test_an_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a ['x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x']"]
    for n in range(1, 9):
        lines.append(f"{chr(97 + n)}: &{chr(97 + n)} [{', '.join(['*' + chr(96 + n)] * 10)}]")
    (finding,) = parse("bomb.yaml", "\n".join(lines).encode()).findings
    assert finding.rule == "yaml-syntax"
    assert "bomb" in finding.message
