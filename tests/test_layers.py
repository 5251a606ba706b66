"""Layers import downward only: the core (everything but ``gitops_tui.ui``) never imports
Textual, so the CLI, the headless agent and the library work without loading the app.

Checked in a fresh interpreter, because this test session has long since imported Textual.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import gitops_tui


def core_modules() -> list[str]:
    return sorted(
        module.name
        for module in pkgutil.walk_packages(gitops_tui.__path__, "gitops_tui.")
        if not module.name.startswith("gitops_tui.ui") and not module.name.endswith("__main__")
    )


def test_importing_the_core_does_not_import_textual() -> None:
    modules = core_modules()
    assert "gitops_tui.engine.agent" in modules and "gitops_tui.cli" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"the core imported {result.stdout.strip()}"
