"""Follow a working tree and yield its desired state, with findings, after every save.

The preview pane must show what a commit would change within a blink of saving, and an editor
saves in bursts (write, rename, touch). So changes are coalesced until the tree has been quiet
for :data:`DEBOUNCE_MS`, only the files that changed are parsed again, and the validator
reuses the findings of every object it has already seen. A file that stops parsing keeps its
last good objects in the state, listed in ``stale`` next to the syntax error, so a half-typed
edit never makes objects vanish from the preview. A kustomization is rendered again as a whole.

Runs in a worker thread; set the ``stop`` event to end it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import watchfiles

from gitops_tui.manifests.config import CONFIG_FILE, RepoConfig, load_config
from gitops_tui.manifests.findings import Finding
from gitops_tui.manifests.loader import (
    KUSTOMIZATION_FILES,
    MANIFEST_SUFFIXES,
    LoadResult,
    Manifest,
    load_file,
    tree_paths,
)
from gitops_tui.manifests.render import is_kustomized, plain_selection, render
from gitops_tui.manifests.validate import Validator

#: Quiet time that ends a burst of file events.
DEBOUNCE_MS = 200
#: Longest a continuous stream of events is held back before a state is yielded anyway.
_MAX_HOLD_MS = 2_000
_POLL_STOP_MS = 500


@dataclass(frozen=True)
class DesiredState:
    """The working tree's objects and findings; ``stale`` files show their last good objects."""

    manifests: tuple[Manifest, ...]
    findings: tuple[Finding, ...]
    stale: frozenset[str]
    changed: frozenset[str]

    @property
    def has_errors(self) -> bool:
        return any(finding.is_error for finding in self.findings)


def _broken(result: LoadResult) -> bool:
    return any(finding.rule == "yaml-syntax" for finding in result.findings)


class ManifestWatcher:
    """Desired states of the working tree at ``root``, one per burst of saves."""

    def __init__(self, root: Path, config: RepoConfig | None = None) -> None:
        self.root = root
        self._fixed_config = config
        self._config = config or load_config(root)[0]
        self._validator = Validator(self._config)
        self._paths: set[str] = set()
        self._loaded: dict[str, LoadResult] = {}
        self._good: dict[str, tuple[Manifest, ...]] = {}
        self._rendered: LoadResult | None = None

    def _relevant(self, change: watchfiles.Change, path: str) -> bool:
        try:
            relative = PurePosixPath(Path(path).relative_to(self.root).as_posix())
        except ValueError:
            return False
        if any(part.startswith(".") for part in relative.parts[:-1]):
            return False  # .git, the sandbox state dir, editor folders
        name = relative.name
        if name == CONFIG_FILE or name in KUSTOMIZATION_FILES:
            return True
        if name.startswith("."):
            return False
        # A kustomization may read any file (generators); plain trees only manifests.
        return is_kustomized(self.root, self._config) or relative.suffix in MANIFEST_SUFFIXES

    def _reload_config(self) -> None:
        if self._fixed_config is None:
            self._config = load_config(self.root)[0]
            self._validator = Validator(self._config)
        self._loaded.clear()

    def _load(self, path: str) -> None:
        try:
            content = (self.root / path).read_bytes()
        except OSError:  # deleted, or replaced mid-save: the next event brings it back
            self._loaded.pop(path, None)
            self._good.pop(path, None)
            return
        result = load_file(path, content)
        self._loaded[path] = result
        if not _broken(result):
            self._good[path] = result.manifests

    def _plain_state(self, changed: set[str]) -> DesiredState:
        selected, hints = plain_selection(self._paths, self._config.path)
        manifests: list[Manifest] = []
        findings: list[Finding] = list(hints)
        stale: set[str] = set()
        for path in selected:
            if path in changed or path not in self._loaded:
                self._load(path)
            result = self._loaded.get(path)
            if result is None:
                continue
            findings.extend(result.findings)
            if _broken(result) and path in self._good:
                stale.add(path)
                manifests.extend(self._good[path])
            else:
                manifests.extend(result.manifests)
        state = LoadResult(tuple(manifests), tuple(findings))
        checked = self._validator.validate(state)
        return DesiredState(state.manifests, checked, frozenset(stale), frozenset(changed))

    def _kustomized_state(self, changed: set[str]) -> DesiredState:
        result = render(self.root, self._config)
        failed = not result.manifests and any(f.is_error for f in result.findings)
        stale: frozenset[str] = frozenset()
        manifests = result.manifests
        if failed and self._rendered is not None:
            manifests = self._rendered.manifests
            stale = frozenset(m.source.path for m in manifests)
        else:
            self._rendered = result
        checked = self._validator.validate(LoadResult(manifests, result.findings))
        return DesiredState(manifests, checked, stale, frozenset(changed))

    def _state(self, changed: set[str]) -> DesiredState:
        if is_kustomized(self.root, self._config):
            return self._kustomized_state(changed)
        return self._plain_state(changed)

    def snapshot(self) -> DesiredState:
        """The desired state as the tree is now, read from scratch."""
        self._paths = set(tree_paths(self.root))
        self._reload_config()
        return self._state(set())

    def states(self, stop: threading.Event) -> Iterator[DesiredState]:
        """The current state, then a new one after each burst of changes, until ``stop``."""
        yield self.snapshot()
        for changes in watchfiles.watch(
            self.root,
            watch_filter=self._relevant,
            step=DEBOUNCE_MS,
            debounce=_MAX_HOLD_MS,
            rust_timeout=_POLL_STOP_MS,
            stop_event=stop,
        ):
            changed: set[str] = set()
            for change, path in changes:
                relative = Path(path).relative_to(self.root).as_posix()
                changed.add(relative)
                if change == watchfiles.Change.deleted:
                    self._paths.discard(relative)
                else:
                    self._paths.add(relative)
            if CONFIG_FILE in changed:
                self._reload_config()
            yield self._state(changed)
