"""``history``: deployed commits with the objects each one created, changed or deleted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitops_tui.model import ResourceKey
from gitops_tui.workspace import Workspace, WorkspaceError, init

from .conftest import AUTHOR, EMAIL, add_to_base, config_map, write

SETTINGS = ResourceKey("", "ConfigMap", "shop", "settings")
CRON = ResourceKey("batch", "CronJob", "shop", "cart-cleanup")
API = ResourceKey("apps", "Deployment", "shop", "api")
FRONTEND = ResourceKey("apps", "Deployment", "shop", "frontend")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_each_commit_lists_the_objects_it_changed(sandbox: Workspace) -> None:
    app = sandbox.path
    started = datetime.now(UTC).replace(microsecond=0)
    add_to_base(app, "settings.yaml", config_map("settings", "1"))
    added = sandbox.commit("Add settings").commit
    edit(app / "base" / "api-deployment.yaml", "cpu: 50m", "cpu: 75m")
    (app / "base" / "cleanup-cronjob.yaml").unlink()
    edit(app / "base" / "kustomization.yaml", "  - cleanup-cronjob.yaml\n", "")
    changed = sandbox.commit("More api cpu, no cleanup job\n\nThe job was flaky.").commit
    (app / "README.md").write_text("only docs\n")
    docs = sandbox.commit("Docs", ["README.md"]).commit

    newest, middle, oldest, seed = sandbox.history(10)

    assert (newest.sha, middle.sha, oldest.sha) == (docs, changed, added)
    assert not newest.resources
    assert middle.summary == "More api cpu, no cleanup job"
    assert middle.message == "More api cpu, no cleanup job\n\nThe job was flaky."
    assert (middle.resources.created, middle.resources.changed, middle.resources.deleted) == (
        (),
        (API,),
        (CRON,),
    )
    assert oldest.resources.created == (SETTINGS,)
    assert (oldest.author_name, oldest.author_email) == (AUTHOR, EMAIL)
    assert oldest.authored_at.tzinfo is not None
    assert oldest.authored_at >= started
    assert len(seed.resources.created) == 12
    assert not seed.resources.changed and not seed.resources.deleted
    assert not any(entry.findings for entry in (newest, middle, oldest, seed))
    assert [entry.sha for entry in sandbox.history(2)] == [docs, changed]


def test_an_overlay_change_shows_as_the_object_it_renders(sandbox: Workspace) -> None:
    edit(sandbox.path / "overlays" / "dev" / "kustomization.yaml", "count: 1", "count: 2")
    sandbox.commit("Two frontends in dev")

    assert sandbox.history(1)[0].resources.changed == (FRONTEND,)


def test_a_broken_commit_lists_its_problems_not_objects(sandbox: Workspace) -> None:
    app = sandbox.path
    add_to_base(app, "settings.yaml", config_map("settings", "1"))
    sandbox.commit("Add settings")
    write(app / "base" / "settings.yaml", "apiVersion: v1\nkind: [unclosed\n")
    sandbox.commit("Break settings")
    write(app / "base" / "settings.yaml", config_map("settings", "2"))
    sandbox.commit("Fix settings")

    fixed, broken, _ = sandbox.history(3)

    assert not broken.resources
    assert broken.findings
    assert all(f.is_error for f in broken.findings)
    assert fixed.resources.changed == (SETTINGS,)
    assert not fixed.resources.created
    assert not fixed.findings


def test_plain_manifest_files_without_kustomize(tmp_path: Path) -> None:
    app = tmp_path / "plain"
    write(app / "settings.yaml", config_map("settings", "1"))
    write(app / "apps" / "other.yaml", config_map("other", "1"))
    workspace = init(app, tmp_path / "state").workspace
    write(app / "settings.yaml", config_map("settings", "2"))
    (app / "apps" / "other.yaml").unlink()
    workspace.commit("Change settings, drop other")

    latest, first = workspace.history(5)

    other = ResourceKey("", "ConfigMap", "shop", "other")
    assert first.resources.created == (other, SETTINGS)
    assert (latest.resources.changed, latest.resources.deleted) == ((SETTINGS,), (other,))


def test_limit_must_be_positive(sandbox: Workspace) -> None:
    with pytest.raises(WorkspaceError, match="at least 1"):
        sandbox.history(0)
