"""Pictures of the screens whose look matters, compared with approved SVG snapshots
(``pytest --snapshot-update`` approves new ones; review the diff before committing).

Views are built from the example app's rendered manifests with fixed clocks and SHAs; the
history comes from a real sandbox whose commits have fixed dates, so SHAs are stable too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from gitops_tui.ui.app import GitOpsApp
from gitops_tui.ui.screens.history import HistoryScreen
from gitops_tui.ui.view import View
from gitops_tui.workspace import init
from tests.ui import views
from tests.ui.conftest import fixed_clock, until


def showing(view: View, select: Any = None) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, GitOpsApp)
        app.main.show(view)
        if select is not None:
            assert app.main.select(select)
        await pilot.pause()

    return run_before


def app() -> GitOpsApp:
    return GitOpsApp(None, clock=fixed_clock, watch_working_tree=False)


def test_main_screen_at_80x24(snap_compare: Any) -> None:
    assert snap_compare(app(), run_before=showing(views.synced_view()))


def test_main_screen_wide_with_timeline_in_the_light_theme(snap_compare: Any) -> None:
    light = app()
    light.theme = "textual-light"
    assert snap_compare(light, terminal_size=(150, 40), run_before=showing(views.synced_view()))


def test_drifted_resource_diff(snap_compare: Any) -> None:
    run_before = showing(views.drifted_view(), select=views.FRONTEND)
    assert snap_compare(app(), terminal_size=(110, 40), run_before=run_before)


def test_error_state(snap_compare: Any) -> None:
    assert snap_compare(app(), terminal_size=(100, 30), run_before=showing(views.error_view()))


def test_help(snap_compare: Any) -> None:
    assert snap_compare(app(), press=["question_mark"], run_before=showing(views.synced_view()))


def test_history(snap_compare: Any, tmp_path: Path) -> None:
    workspace = init(tmp_path / "app", tmp_path / "state").workspace
    config = workspace.path / "base" / "api-configmap.yaml"
    config.write_text(config.read_text().replace("Welcome to the shop", "Hello"))
    workspace.commit("Greet shoppers in dev")
    hpa = workspace.path / "base" / "api-hpa.yaml"
    hpa.unlink()
    kustomization = workspace.path / "base" / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("  - api-hpa.yaml\n", ""))
    patches = workspace.path / "overlays" / "dev" / "kustomization.yaml"
    patches.write_text(patches.read_text().split("patches:")[0])
    workspace.commit("Let the api run without an autoscaler")
    recorded: list[object] = []

    async def run_before(pilot: Pilot[Any]) -> None:
        screen = HistoryScreen(workspace)
        pilot.app.push_screen(screen)
        await until(pilot, lambda: screen.entries, "the history")
        recorded.extend(screen.entries)
        await pilot.press("down", "enter")

    assert snap_compare(app(), terminal_size=(100, 30), run_before=run_before)
    assert [getattr(e, "summary", None) for e in recorded][:2] == [
        "Let the api run without an autoscaler",
        "Greet shoppers in dev",
    ]
