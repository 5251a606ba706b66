"""The working-tree watcher: one new desired state per burst of saves, read incrementally.

Each test drives a real watcher over a real directory in a thread and awaits the states it
yields; nothing sleeps longer than the watcher's own quiet time.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_tui.manifests.watch import DEBOUNCE_MS, DesiredState, ManifestWatcher

from .conftest import DEPLOYMENT, EXAMPLE, write_tree

STATE_TIMEOUT = 20.0


def configmap(name: str, value: str = "1") -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  v: '{value}'\n"


class Follow:
    """Runs a watcher in a thread, as the app's worker does, and hands over its states."""

    def __init__(self, root: Path) -> None:
        self.stop = threading.Event()
        self.states: queue.Queue[DesiredState | BaseException] = queue.Queue()
        self.watcher = ManifestWatcher(root)
        self.thread = threading.Thread(target=self._run, name="watch-test", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for state in self.watcher.states(self.stop):
                self.states.put(state)
        except BaseException as exc:  # surfaced to the test by next()
            self.states.put(exc)

    def next(self) -> DesiredState:
        item = self.states.get(timeout=STATE_TIMEOUT)
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=STATE_TIMEOUT)
        assert not self.thread.is_alive()


@pytest.fixture
def follow(tmp_path: Path) -> Iterator[Follow]:
    write_tree(tmp_path, {"a.yaml": configmap("a"), "b.yaml": configmap("b")})
    following = Follow(tmp_path)
    yield following
    following.close()


def names(state: DesiredState) -> list[str]:
    return sorted(m.key.name for m in state.manifests)


def test_first_state_is_the_tree_as_it_is(follow: Follow) -> None:
    state = follow.next()
    assert names(state) == ["a", "b"]
    assert state.findings == ()
    assert state.changed == frozenset()


def test_a_burst_of_saves_becomes_one_state(follow: Follow, tmp_path: Path) -> None:
    follow.next()
    # An editor's save and a formatter's rewrite right after, across several files: each
    # write comes well within the quiet time of the one before.
    for round_ in range(3):
        for name in ("a", "b", "c"):
            (tmp_path / f"{name}.yaml").write_text(configmap(name, str(round_)))
        time.sleep(DEBOUNCE_MS / 1000 / 4)
    state = follow.next()
    assert state.changed == {"a.yaml", "b.yaml", "c.yaml"}
    assert names(state) == ["a", "b", "c"]
    assert {m.body["data"]["v"] for m in state.manifests} == {"2"}
    # Had the burst been split, the next state would still carry part of it.
    (tmp_path / "d.yaml").write_text(configmap("d"))
    assert follow.next().changed == {"d.yaml"}


def test_git_internals_and_other_files_are_ignored(follow: Follow, tmp_path: Path) -> None:
    follow.next()
    write_tree(
        tmp_path,
        {
            ".git/index.yaml": configmap("hidden"),
            ".git/HEAD": "ref: refs/heads/main\n",
            "README.md": "# notes\n",
            "script.sh": "echo hi\n",
            ".a.yaml.swp": "binary swap",
            "a.yaml~": configmap("backup"),
        },
    )
    (tmp_path / "b.yaml").write_text(configmap("b", "2"))
    state = follow.next()
    assert state.changed == {"b.yaml"}
    assert names(state) == ["a", "b"]


def test_only_changed_files_are_parsed_again(follow: Follow, tmp_path: Path) -> None:
    before = {m.key.name: m for m in follow.next().manifests}
    (tmp_path / "a.yaml").write_text(configmap("a", "2"))
    after = {m.key.name: m for m in follow.next().manifests}
    assert after["b"] is before["b"]  # the very same object: b.yaml was not read again
    assert after["a"] is not before["a"]
    assert after["a"].body["data"]["v"] == "2"


def test_a_broken_file_keeps_its_last_good_objects_flagged(follow: Follow, tmp_path: Path) -> None:
    good = {m.key.name: m for m in follow.next().manifests}
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n")
    broken = follow.next()
    assert broken.stale == {"a.yaml"}
    assert names(broken) == ["a", "b"]
    kept = next(m for m in broken.manifests if m.key.name == "a")
    assert kept is good["a"]
    assert broken.is_stale(kept)
    assert [(f.rule, str(f.source)) for f in broken.findings] == [("yaml-syntax", "a.yaml:4:9")]
    assert broken.has_errors

    (tmp_path / "a.yaml").write_text(configmap("a", "fixed"))
    fixed = follow.next()
    assert fixed.stale == frozenset()
    assert fixed.findings == ()
    assert next(m for m in fixed.manifests if m.key.name == "a").body["data"]["v"] == "fixed"


def test_deleted_files_and_moved_folders_are_followed(follow: Follow, tmp_path: Path) -> None:
    follow.next()
    (tmp_path / "b.yaml").unlink()
    assert names(follow.next()) == ["a"]

    outside = tmp_path.parent / f"{tmp_path.name}-incoming"
    write_tree(outside, {"x.yaml": configmap("x"), "deep/y.yml": configmap("y")})
    os.rename(outside, tmp_path / "moved")  # one event for the folder, none for its files
    assert names(follow.next()) == ["a", "x", "y"]

    shutil.rmtree(tmp_path / "moved")
    assert names(follow.next()) == ["a"]


def test_findings_come_with_every_state(follow: Follow, tmp_path: Path) -> None:
    follow.next()
    (tmp_path / "d.yaml").write_text(DEPLOYMENT.replace("nginx:1.27", "nginx:latest"))
    state = follow.next()
    assert [(f.rule, str(f.source)) for f in state.findings] == [("image-tag", "d.yaml:17:11")]


def test_a_config_change_rereads_everything_with_the_new_settings(
    follow: Follow, tmp_path: Path
) -> None:
    follow.next()
    (tmp_path / "d.yaml").write_text(DEPLOYMENT.replace("nginx:1.27", "nginx:latest"))
    assert [f.rule for f in follow.next().findings] == ["image-tag"]
    (tmp_path / ".gitops-tui.yaml").write_text("disabledRules: [image-tag]\n")
    assert follow.next().findings == ()
    (tmp_path / ".gitops-tui.yaml").write_text("kubernetesVersion: '1.12'\n")
    assert [(f.rule, str(f.source)) for f in follow.next().findings] == [
        ("config", ".gitops-tui.yaml:1:1"),
        ("image-tag", "d.yaml:17:11"),
    ]


def frontend_replicas(state: DesiredState) -> object:
    (frontend,) = [m for m in state.manifests if (m.key.name, m.kind) == ("frontend", "Deployment")]
    return frontend.body["spec"]["replicas"]


def test_a_kustomized_tree_is_rendered_again_and_keeps_its_objects_while_broken(
    tmp_path: Path,
) -> None:
    root = Path(shutil.copytree(EXAMPLE, tmp_path / "example"))
    following = Follow(root)
    try:
        first = following.next()
        assert len(first.manifests) == 12
        overlay = root / "overlays" / "dev" / "kustomization.yaml"
        overlay.write_text(overlay.read_text().replace("count: 1", "count: 3"))
        scaled = following.next()
        assert frontend_replicas(scaled) == 3

        # Two saves within the quiet time: kustomize may have started on the first one, but the
        # last state yielded is the second (a very slow machine may yield the first on its own).
        overlay.write_text(overlay.read_text().replace("count: 3", "count: 4"))
        time.sleep(DEBOUNCE_MS / 1000 / 2)
        overlay.write_text(overlay.read_text().replace("count: 4", "count: 5"))
        seen = [frontend_replicas(following.next())]
        if seen[0] == 4:
            seen.append(frontend_replicas(following.next()))
        assert seen[-1] == 5

        # A base file edited: read again, not taken from the previous render's parse.
        base = root / "base" / "frontend-deployment.yaml"
        base.write_text(base.read_text().replace(":1.27.3-alpine", ":latest"))
        retagged = following.next()
        (finding,) = retagged.findings
        assert (finding.rule, str(finding.source)) == (
            "image-tag",
            "base/frontend-deployment.yaml:27:11",
        )

        overlay.write_text(overlay.read_text() + "resources: [\n")
        broken = following.next()
        assert len(broken.manifests) == 12
        assert broken.stale
        # The kept objects are still checked: the base's :latest image is still reported.
        assert [f.rule for f in broken.findings] == ["image-tag", "yaml-syntax"]
    finally:
        following.close()


def test_stopping_ends_the_states(tmp_path: Path) -> None:
    following = Follow(tmp_path)
    following.next()
    following.close()
