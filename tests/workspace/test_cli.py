"""The workspace subcommands: what a person types and reads, and exit codes for scripts."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from gitops_tui.commands.workspace import register

from .conftest import add_to_base, config_map, git, write


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="gitops-tui")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GITOPS_TUI_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "app"


def test_a_session_from_init_to_revert(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("init", str(app)) == 0
    out = capsys.readouterr().out
    assert f"{app} is a sandbox now:" in out
    assert "  - copied in the example app" in out

    assert run("init", str(app)) == 0
    assert "already a sandbox; nothing changed" in capsys.readouterr().out

    overlay = app / "overlays" / "dev" / "kustomization.yaml"
    overlay.write_text(overlay.read_text().replace("count: 1", "count: 3"))
    assert run("status", str(app)) == 0
    out = capsys.readouterr().out
    assert "Up to date with the sandbox." in out
    assert "  modified   overlays/dev/kustomization.yaml" in out

    assert run("commit", str(app), "-m", "Three frontends") == 0
    out = capsys.readouterr().out
    sha = git(app, "rev-parse", "HEAD")
    assert f"Committed {sha[:12]} (1 file(s)):" in out
    assert "Pushed 1 commit(s) to the sandbox." in out

    assert run("history", str(app), "-n", "1") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(sha[:12])
    assert lines[0].endswith("Three frontends")
    assert lines[1:] == ["    ~ Deployment.apps shop/frontend"]

    assert run("revert", sha, str(app)) == 0
    assert f"Reverted {sha}" in capsys.readouterr().out
    assert "count: 1" in overlay.read_text()


def test_commit_of_named_files_relative_to_the_current_directory(
    app: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run("init", str(app))
    write(app / "base" / "notes.txt", "notes\n")
    monkeypatch.chdir(app / "base")
    assert run("commit", "-m", "notes", "--file", "notes.txt", str(app)) == 0
    assert "  base/notes.txt" in capsys.readouterr().out


def test_pull_reports_what_it_brought(
    app: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run("init", str(app))
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(tmp_path / "state" / "repo.git"), str(other))
    add_to_base(other, "x.yaml", config_map("x", "1"))
    git(other, "add", ".")
    git(other, "commit", "--quiet", "-m", "x")
    git(other, "push", "--quiet", "origin", "main")
    capsys.readouterr()

    assert run("status", str(app)) == 0
    assert "1 new commit(s) in the sandbox (`gitops-tui pull`)." in capsys.readouterr().out
    assert run("pull", str(app)) == 0
    assert "(1 commit(s))" in capsys.readouterr().out
    assert run("pull", str(app)) == 0
    assert "Already up to date" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("status",), "is not a gitops-tui sandbox yet: run `gitops-tui init"),
        (("history",), "is not a gitops-tui sandbox yet"),
        (("commit", "-m", "x"), "nothing to commit"),
        (("revert", "f00d"), "no commit named 'f00d'"),
    ],
)
def test_user_fixable_failures_are_one_line_and_exit_1(
    argv: tuple[str, ...],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITOPS_TUI_STATE_DIR", str(tmp_path / "state"))
    if argv[0] in ("commit", "revert"):
        run("init", str(tmp_path / "app"))
        capsys.readouterr()
    where = tmp_path / "app" if argv[0] in ("commit", "revert") else tmp_path

    assert run(*argv, str(where)) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("gitops-tui: ")
    assert message in captured.err
    assert captured.err.count("\n") == 1


def test_history_needs_a_positive_count(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run("history", "-n", "0")
    assert exited.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err
