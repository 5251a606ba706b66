"""What a commit would change, read from a real sandbox: the working tree against HEAD, both
rendered by kustomize as the agent renders them."""

from __future__ import annotations

from pathlib import Path

from gitops_tui.manifests.loader import Manifest, load_file
from gitops_tui.manifests.watch import ManifestWatcher
from gitops_tui.model import ResourceKey
from gitops_tui.ui.preview import Pending, compare, read_preview
from gitops_tui.workspace import ChangeKind, init

CM = ResourceKey("", "ConfigMap", "shop", "api-config")
JOB = ResourceKey("batch", "CronJob", "shop", "cart-cleanup")
EXTRA = ResourceKey("", "ConfigMap", "shop", "extra")


def config_map(name: str, value: str) -> bytes:
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: shop\n"
        f"data:\n  value: {value!r}\n"
    ).encode()


def test_compare_finds_added_modified_and_deleted_objects() -> None:
    head = load_file("a.yaml", config_map("a", "1") + b"---\n" + config_map("b", "1")).manifests
    tree = load_file("a.yaml", config_map("a", "2") + b"---\n" + config_map("c", "1")).manifests
    assert compare(head, tree) == {
        ResourceKey("", "ConfigMap", "shop", "a"): Pending.MODIFIED,
        ResourceKey("", "ConfigMap", "shop", "b"): Pending.DELETED,
        ResourceKey("", "ConfigMap", "shop", "c"): Pending.ADDED,
    }
    assert compare(head, head) == {}


def test_a_sandbox_edit_shows_as_pending_until_committed(tmp_path: Path) -> None:
    workspace = init(tmp_path / "app", tmp_path / "state").workspace
    base = workspace.path / "base"
    cache: dict[str, tuple[Manifest, ...]] = {}
    watcher = ManifestWatcher(workspace.path)
    clean = read_preview(workspace, watcher.snapshot(), cache)
    assert clean.pending == {} and clean.files == () and clean.head is not None

    (base / "api-configmap.yaml").write_text(
        (base / "api-configmap.yaml").read_text().replace("info", "debug")
    )
    (base / "cleanup-cronjob.yaml").unlink()
    listed = (base / "kustomization.yaml").read_text()
    (base / "kustomization.yaml").write_text(
        listed.replace("  - cleanup-cronjob.yaml\n", "  - extra.yaml\n")
    )
    (base / "extra.yaml").write_bytes(config_map("extra", "1"))
    edited = read_preview(workspace, watcher.snapshot(), cache)
    assert edited.pending == {CM: Pending.MODIFIED, JOB: Pending.DELETED, EXTRA: Pending.ADDED}
    assert {(c.path, c.kind) for c in edited.files} == {
        ("base/api-configmap.yaml", ChangeKind.MODIFIED),
        ("base/cleanup-cronjob.yaml", ChangeKind.DELETED),
        ("base/kustomization.yaml", ChangeKind.MODIFIED),
        ("base/extra.yaml", ChangeKind.UNTRACKED),
    }

    result = workspace.commit("Debug logs, an extra map, no cleanup job")
    committed = read_preview(workspace, watcher.snapshot(), cache)
    assert committed.head == result.commit
    assert committed.pending == {} and committed.files == ()


def test_problems_come_with_file_and_line_errors_first(tmp_path: Path) -> None:
    workspace = init(tmp_path / "app", tmp_path / "state").workspace
    path = workspace.path / "base" / "api-configmap.yaml"
    path.write_text(path.read_text().replace('PODINFO_LEVEL: "info"', "PODINFO_LEVEL: [oops"))
    preview = read_preview(workspace, ManifestWatcher(workspace.path).snapshot(), {})
    first = preview.findings[0]
    assert first.is_error and first.source is not None
    assert (first.source.path, first.source.line) == ("base/api-configmap.yaml", 9)
    assert preview.errors
