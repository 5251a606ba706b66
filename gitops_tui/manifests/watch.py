"""Follow a working tree and yield its desired state, with findings, after every save.

The preview pane must show what a commit would change within a blink of saving, and an editor
saves in bursts (write, rename, touch). So changes are coalesced until the tree has been quiet
for :data:`DEBOUNCE_MS`, only the files that changed are parsed again, and the validator
reuses the findings of every object it has already seen. A file that stops parsing keeps its
last good objects in the state, listed in ``stale`` next to the syntax error, so a half-typed
edit never makes objects vanish from the preview. A kustomization is rendered again as a whole,
started as soon as a change arrives so kustomize's own build time overlaps the quiet time.

Runs in a worker thread; set the ``stop`` event to end it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import watchfiles

from gitops_tui.manifests.config import CONFIG_FILE, RepoConfig, load_config
from gitops_tui.manifests.findings import Finding, sort_key
from gitops_tui.manifests.kustomize import SourceCache
from gitops_tui.manifests.loader import (
    KUSTOMIZATION_FILES,
    MANIFEST_SUFFIXES,
    LoadResult,
    Manifest,
    load_file,
    read_file,
    tree_paths,
)
from gitops_tui.manifests.render import is_kustomized, missing_path, plain_selection, render
from gitops_tui.manifests.validate import Validator

#: Quiet time that ends a burst of file events.
DEBOUNCE_MS = 200
#: Longest a continuous stream of events is held back before a state is yielded anyway.
_MAX_HOLD_MS = 2_000
#: How often the file-system watcher reports back while idle: the resolution of the quiet
#: time, and how quickly ``stop`` is noticed.
_TICK_MS = 25


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

    def is_stale(self, manifest: Manifest) -> bool:
        """Whether ``manifest`` is the last good reading of a file that no longer parses."""
        return manifest.source.path in self.stale


def _broken(result: LoadResult) -> bool:
    return any(finding.rule == "yaml-syntax" for finding in result.findings)


class ManifestWatcher:
    """Desired states of the working tree at ``root``, one per burst of saves."""

    def __init__(self, root: Path, config: RepoConfig | None = None) -> None:
        self.root = root.resolve()
        self._fixed_config = config
        self._config = config or RepoConfig()
        self._config_findings: tuple[Finding, ...] = ()
        self._validator = Validator(self._config)
        self._paths: set[str] = set()
        self._loaded: dict[str, LoadResult] = {}
        self._good: dict[str, tuple[Manifest, ...]] = {}
        self._rendered: LoadResult | None = None
        self._sources = SourceCache()
        self._reload_config()

    def _relative(self, path: str) -> PurePosixPath | None:
        try:
            return PurePosixPath(Path(path).relative_to(self.root).as_posix())
        except ValueError:
            return None

    def _relevant(self, change: watchfiles.Change, path: str) -> bool:
        relative = self._relative(path)
        if relative is None or any(part.startswith(".") for part in relative.parts[:-1]):
            return False  # .git, the sandbox state dir, editor folders
        name = relative.name
        if name == CONFIG_FILE or name in KUSTOMIZATION_FILES:
            return True
        if name.startswith("."):
            return False
        if relative.suffix in MANIFEST_SUFFIXES or self._is_folder(relative.as_posix()):
            return True
        # A kustomization may read any file (generators); plain trees only manifests.
        return is_kustomized(self.root, self._config)

    def _is_folder(self, relative: str) -> bool:
        """A folder now, or one that held files we know (moved or deleted as a whole)."""
        prefix = relative + "/"
        return (self.root / relative).is_dir() or any(p.startswith(prefix) for p in self._paths)

    def _reload_config(self) -> None:
        if self._fixed_config is None:
            self._config, self._config_findings = load_config(self.root)
            self._validator = Validator(self._config)
        self._loaded.clear()
        self._good.clear()

    def _load(self, path: str) -> None:
        content = read_file(self.root / path)
        if content is None:  # deleted, or replaced mid-save: the next event brings it back
            self._loaded.pop(path, None)
            self._good.pop(path, None)
            return
        result = load_file(path, content)
        self._loaded[path] = result
        if not _broken(result):
            self._good[path] = result.manifests

    def _plain_state(self, changed: set[str]) -> tuple[LoadResult, set[str]]:
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
        return LoadResult(tuple(manifests), tuple(findings)), stale

    def is_kustomized(self) -> bool:
        return is_kustomized(self.root, self._config)

    def render(self) -> LoadResult:
        """The kustomization rendered as it is on disk now (thread-safe)."""
        return render(self.root, self._config, self._sources)

    def _kustomized_state(self, early: LoadResult | None) -> tuple[LoadResult, set[str]]:
        result = early or self.render()
        if not result.manifests and any(f.is_error for f in result.findings):
            if self._rendered is not None:
                stale = {m.source.path for m in self._rendered.manifests}
                return LoadResult(self._rendered.manifests, result.findings), stale
        else:
            self._rendered = result
        return result, set()

    def _state(self, changed: set[str], early: LoadResult | None = None) -> DesiredState:
        missing = missing_path(self.root, self._config)
        stale: set[str] = set()
        if missing is not None:
            result = missing
        elif self.is_kustomized():
            result, stale = self._kustomized_state(early)
        else:
            result, stale = self._plain_state(changed)
        checked = self._validator.validate(result)
        findings = tuple(sorted((*self._config_findings, *checked), key=sort_key))
        return DesiredState(result.manifests, findings, frozenset(stale), frozenset(changed))

    def snapshot(self) -> DesiredState:
        """The desired state as the tree is now, read from scratch."""
        self._paths = set(tree_paths(self.root))
        self._reload_config()
        return self._state(set())

    def _apply(self, changes: set[tuple[watchfiles.Change, str]]) -> set[str]:
        """Update the known paths for a burst of changes; the repo-relative paths changed."""
        changed: set[str] = set()
        rescan = False
        for change, path in changes:
            relative = self._relative(path)
            if relative is None:
                continue
            text = relative.as_posix()
            if self._is_folder(text):
                rescan = True  # a folder moved in or out: its files sent no events of their own
                prefix = text + "/"
                changed.update(p for p in self._paths if p.startswith(prefix))
            changed.add(text)
            if change == watchfiles.Change.deleted:
                self._paths.discard(text)
            else:
                self._paths.add(text)
        if rescan:
            before = self._paths
            self._paths = set(tree_paths(self.root))
            changed.update(self._paths ^ before)
        if CONFIG_FILE in changed:
            self._reload_config()
        return changed

    def states(self, stop: threading.Event) -> Iterator[DesiredState]:
        """The current state, then a new one after each burst of changes, until ``stop``.

        The file-system watch starts before the first state is read, so a save made while it is
        read still produces a new state.
        """
        events = watchfiles.watch(
            self.root,
            watch_filter=self._relevant,
            step=_TICK_MS,
            debounce=_MAX_HOLD_MS,
            rust_timeout=_TICK_MS,
            yield_on_timeout=True,
            stop_event=stop,
        )
        pending: set[tuple[watchfiles.Change, str]] = set()
        first = last = 0.0
        ahead = _RenderAhead(self)
        try:
            pending.update(next(events, set()))  # the watch is live once this returns
            yield self.snapshot()
            pending.clear()
            for changes in events:
                now = time.monotonic()
                if changes:
                    first = first if pending else now
                    last = now
                    pending.update(changes)
                    ahead.start(now, changes)
                quiet = not changes and (now - last) * 1000 >= DEBOUNCE_MS - _TICK_MS
                held = (now - first) * 1000 >= _MAX_HOLD_MS
                if pending and (quiet or held):
                    changed = self._apply(pending)
                    pending = set()
                    yield self._state(changed, ahead.result(last))
        finally:
            events.close()
            ahead.close()


class _RenderAhead:
    """Renders a kustomized tree while the watcher waits out the quiet time.

    kustomize takes a few hundred milliseconds even for a small overlay, more than the quiet
    time itself. A render started when a change arrives, and with no change arriving after it
    started, read everything the burst wrote: the watcher then takes it instead of rendering
    again, so the preview follows a save by little more than the debounce.
    """

    def __init__(self, watcher: ManifestWatcher) -> None:
        self._watcher = watcher
        self._pool: ThreadPoolExecutor | None = None
        self._started = 0.0
        self._future: Future[LoadResult] | None = None

    def start(self, now: float, changes: set[tuple[watchfiles.Change, str]]) -> None:
        if any(Path(path).name == CONFIG_FILE for _, path in changes):
            self._future = None  # the settings change: render once they are read
            return
        if not self._watcher.is_kustomized():
            return
        if self._future is not None and not self._future.done():
            return  # this one will be stale; the watcher renders again if no later one starts
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="gitops-tui-render-ahead")
        self._started = now
        self._future = self._pool.submit(self._watcher.render)

    def result(self, last_change: float) -> LoadResult | None:
        """The early render if nothing changed after it started, else None."""
        future, self._future = self._future, None
        if future is None or self._started < last_change:
            return None
        return future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
