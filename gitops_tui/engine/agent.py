"""The GitOps agent: keeps the cluster equal to the newest valid commit, and shows every step.

One reconcile thread owns all decisions; the other threads only report facts to it through a
queue (a ref watcher: "the branch moved"; one watch per managed kind: "these objects changed";
anyone: "sync now", "toggle changed"). So the agent's view never changes under its own feet,
and a burst of facts is handled as one batch. The loop, as in Argo CD and Flux:

1. A new commit is rendered and validated as a whole. An invalid revision is rejected with
   its reasons and the revision in force stays; a valid one becomes the *target*.
2. Each desired object is compared with its live object through a server-side-apply dry run
   (:mod:`gitops_tui.engine.evaluate`): Synced, OutOfSync (with field-level drift and the field
   manager behind it), Missing; owned live objects no longer in Git are Extra.
3. With auto-sync on, a new target is synced: planned in kind order
   (:mod:`gitops_tui.engine.plan`), applied (:mod:`gitops_tui.engine.sync`), every object
   labelled as ours, owned leftovers pruned when pruning is on. Every sync is kept in history.
4. A change made by anyone else arrives through a watch within milliseconds and is judged at
   once; drift is reported, and with self-heal on it is undone: the first time immediately,
   repeats of the same drift backed off (:mod:`gitops_tui.engine.heal`).

The cluster may vanish at any moment. Then every status is Unknown (never a stale Synced),
reconnection is retried with backoff, and once every watch has listed again the agent
re-judges everything and finishes what it could not. Nothing lives only in memory but the
sync history: Git holds the desired state and the cluster the live one, so an agent killed
with ``kill -9`` rebuilds its whole view on start.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from gitops_tui.cluster.client import ClusterClient, ClusterError, ClusterUnreachable
from gitops_tui.engine import health, plan
from gitops_tui.engine.desired import (
    DesiredObject,
    DesiredState,
    RevisionInvalid,
    desired_state,
    ownership_labels,
    render_revision,
)
from gitops_tui.engine.evaluate import (
    Verdict,
    attributed,
    content_fingerprint,
    judge,
    main_manager,
    shown,
)
from gitops_tui.engine.heal import HealBackoff, Signature
from gitops_tui.engine.live import LiveCache, group_of, key_of
from gitops_tui.engine.source import RefWatcher, read_head, read_revision
from gitops_tui.engine.sync import WORKERS, execute
from gitops_tui.manifests.loader import Manifest
from gitops_tui.model import (
    AgentError,
    AgentEvent,
    ClusterReachability,
    CommitSeen,
    DriftDetected,
    FieldDrift,
    Healed,
    Health,
    HealthChanged,
    ResourceKey,
    ResourceResult,
    ResourceState,
    RevisionRejected,
    SyncFinished,
    SyncStarted,
    SyncStatus,
    Toggle,
    ToggleChanged,
)

Obj = dict[str, Any]

#: Kinds followed for the live tree (children of managed workloads) and their health.
CHILD_KINDS: tuple[tuple[str, str], ...] = (
    ("apps/v1", "ReplicaSet"),
    ("batch/v1", "Job"),
    ("v1", "Pod"),
)
_CHILD_GROUP_KINDS = frozenset((group_of(v), k) for v, k in CHILD_KINDS)
#: Kinds never scanned for owned objects: nobody applies them from Git, and the endpoint
#: controllers copy a Service's labels (our ownership labels included) onto its Endpoints and
#: EndpointSlices, which would otherwise show as Extra and be pruned (Argo CD excludes them too).
_UNSCANNED = frozenset({"Event", "Endpoints", "EndpointSlice"})
HISTORY_LIMIT = 100
#: Seconds to wait for every watch to list after (re)connecting before trying again.
SYNC_WAIT = 10.0
#: Seconds a blocking call (``refresh``, ``sync_once``) waits for a running agent's answer.
ANSWER_WAIT = 120.0
_RECONNECT_FIRST = 0.1
_RECONNECT_MAX = 5.0
_DRIFTING = frozenset({SyncStatus.OUT_OF_SYNC, SyncStatus.MISSING, SyncStatus.EXTRA})


@dataclass(frozen=True)
class AgentOptions:
    auto_sync: bool = True
    self_heal: bool = True
    prune: bool = True
    #: Seconds between fallback polls of the branch ref; ref changes are seen in milliseconds.
    poll_interval: float = 3.0
    #: The Kubernetes version each revision is validated for (default: the repo's setting).
    kube_version: str | None = None


@dataclass(frozen=True)
class SyncRecord:
    revision: str
    reason: str
    started_at: float
    duration_ms: float
    results: tuple[ResourceResult, ...]
    ok: bool


@dataclass(frozen=True)
class AgentSnapshot:
    revision: str | None
    revision_message: str
    head: str | None
    resources: tuple[ResourceState, ...]
    toggles: Mapping[Toggle, bool]
    reachable: bool
    syncing: bool
    last_sync: SyncRecord | None
    history: tuple[SyncRecord, ...]
    rejected: RevisionRejected | None


@dataclass(frozen=True)
class _Head:
    sha: str | None


@dataclass(frozen=True)
class _Changed:
    keys: frozenset[ResourceKey]
    at: float


@dataclass(frozen=True)
class _Failed:
    error: ClusterError


@dataclass(frozen=True)
class _SyncAsked:
    reason: str
    reply: Future[SyncRecord] | None = None


@dataclass(frozen=True)
class _RefreshAsked:
    reply: Future[AgentSnapshot]


@dataclass(frozen=True)
class _Toggled:
    toggle: Toggle
    enabled: bool


@dataclass(frozen=True)
class _Stop:
    pass


_Work = _Head | _Changed | _Failed | _SyncAsked | _RefreshAsked | _Toggled | _Stop


@dataclass
class _Drift:
    """Drift seen on a resource and not undone yet: what it is and when it appeared."""

    signature: Signature
    since: float
    heal_at: float | None = None


@dataclass
class _Batch:
    head: _Head | None = None
    changed: dict[ResourceKey, float] = field(default_factory=dict)
    failure: ClusterError | None = None
    syncs: list[_SyncAsked] = field(default_factory=list)
    refreshes: list[_RefreshAsked] = field(default_factory=list)
    toggles: list[_Toggled] = field(default_factory=list)
    stop: bool = False


class Agent:
    """Pulls the branch of a bare repository into a cluster and keeps it there.

    ``on_event`` is called from the agent's threads and must not block.
    """

    def __init__(
        self,
        client: ClusterClient,
        bare_repo: Path,
        branch: str,
        options: AgentOptions,
        on_event: Callable[[AgentEvent], None],
    ) -> None:
        self._client = client
        self._bare = bare_repo
        self._branch = branch
        self._options = options
        self._on_event = on_event
        self._labels = ownership_labels(bare_repo, branch)
        self._lock = threading.Lock()
        self._toggles = {
            Toggle.AUTO_SYNC: options.auto_sync,
            Toggle.SELF_HEAL: options.self_heal,
            Toggle.PRUNE: options.prune,
        }
        self._queue: queue.SimpleQueue[_Work] = queue.SimpleQueue()
        self._running = False
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._oneshot = threading.Lock()
        self._live = LiveCache(client, self._changed, self._failed)
        self._refs = RefWatcher(bare_repo, branch, options.poll_interval, self._moved)
        # Owned by the reconcile thread (or a one-shot call holding ``_oneshot``):
        self._head: str | None = None
        self._head_message = ""
        self._accepted: tuple[str, str, tuple[Manifest, ...]] | None = None
        self._target: DesiredState | None = None
        self._revision: str | None = None
        self._revision_message = ""
        self._synced_revision: str | None = None
        self._failed_revision: str | None = None
        self._refused_empty: str | None = None
        #: A sync asked for while the cluster was away, run once it is back.
        self._sync_wanted: str | None = None
        self._rejected: RevisionRejected | None = None
        self._scopes: dict[tuple[str, str], bool] = {}
        self._owned_kinds: tuple[tuple[str, str], ...] = ()
        self._scanned = False
        self._last_error = ""
        self._reachable: bool | None = None
        self._reconnect_at = 0.0
        self._reconnect_delay = _RECONNECT_FIRST
        self._retry_sync = False
        self._verdicts: dict[ResourceKey, Verdict] = {}
        self._fingerprints: dict[ResourceKey, tuple[str, str]] = {}
        self._states: dict[ResourceKey, ResourceState] = {}
        self._children: dict[ResourceKey, tuple[str, ResourceState]] = {}
        self._drifting: dict[ResourceKey, _Drift] = {}
        self._backoff = HealBackoff()
        self._history: collections.deque[SyncRecord] = collections.deque(maxlen=HISTORY_LIMIT)
        self._syncing = False
        self._outbox: list[AgentEvent] = []
        self._snapshot = self._build_snapshot()

    # The public API

    def start(self) -> None:
        """Start watching Git and the cluster in background threads; returns at once."""
        with self._lock:
            if self._running or self._stopped.is_set():
                return
            self._running = True
        self._thread = threading.Thread(target=self._loop, name="agent-reconcile", daemon=True)
        self._thread.start()
        self._refs.start()

    def stop(self) -> None:
        """Stop every thread (idempotent). Blocking calls waiting for an answer get an error."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._queue.put(_Stop())
        self._refs.stop()
        if self._thread is not None:
            self._thread.join()
        self._live.stop()

    def request_sync(self, reason: str = "manual") -> None:
        """Sync the newest valid revision as soon as possible (asynchronous)."""
        self._queue.put(_SyncAsked(reason))

    def set_toggle(self, toggle: Toggle, enabled: bool) -> None:
        with self._lock:
            if self._toggles[toggle] == enabled:
                return
            self._toggles[toggle] = enabled
            toggles = MappingProxyType(dict(self._toggles))
            self._snapshot = replace(self._snapshot, toggles=toggles)
        with contextlib.suppress(Exception):
            self._on_event(ToggleChanged(time.time(), toggle, enabled))
        self._queue.put(_Toggled(toggle, enabled))

    def snapshot(self) -> AgentSnapshot:
        with self._lock:
            return self._snapshot

    def refresh(self) -> AgentSnapshot:
        """Read the branch, render and validate it, and judge every resource anew. No writes.

        Raises :class:`~gitops_tui.cluster.client.ClusterUnreachable` when the cluster does not
        answer (one-shot use).
        """
        if self._running:
            reply: Future[AgentSnapshot] = Future()
            self._queue.put(_RefreshAsked(reply))
            return reply.result(timeout=ANSWER_WAIT)
        with self._oneshot:
            self._prepare_once()
            return self.snapshot()

    def sync_once(self, reason: str = "manual") -> SyncRecord:
        """Sync the newest valid revision now and return what happened (blocking).

        A rejected revision is not applied: the record then has no results and ``ok`` is
        false, and :meth:`snapshot` says why (``rejected``).
        """
        if self._running:
            reply: Future[SyncRecord] = Future()
            self._queue.put(_SyncAsked(reason, reply))
            return reply.result(timeout=ANSWER_WAIT)
        with self._oneshot:
            self._prepare_once()
            return self._sync(reason)

    # Reports from other threads

    def _moved(self, sha: str | None) -> None:
        self._queue.put(_Head(sha))

    def _changed(self, keys: frozenset[ResourceKey], at: float) -> None:
        if self._running:
            self._queue.put(_Changed(keys, at))

    def _failed(self, error: ClusterError) -> None:
        if self._running:
            self._queue.put(_Failed(error))

    def _emit(self, event: AgentEvent) -> None:
        """Queue an event; :meth:`_publish` delivers it once the snapshot shows its effect."""
        with self._lock:
            self._outbox.append(event)

    # One-shot use

    def _prepare_once(self) -> None:
        self._client.ping()
        self._scan()
        self._read_head(read_head(self._bare, self._branch))
        self._follow_managed()
        self._reachable = True
        self._verdicts.clear()
        self._judge_all()
        if self._synced_revision is None:
            self._adopt_if_synced()
        self._publish()

    # The reconcile loop

    def _loop(self) -> None:
        try:
            while True:
                if not self._reachable and time.monotonic() >= self._reconnect_at:
                    self._guarded(self._connect)
                batch = self._take(self._wait_time())
                if batch.stop:
                    break
                self._guarded(functools.partial(self._step, batch))
                self._answer(batch)
                self._publish()
        finally:
            self._running = False
            self._drain_replies()

    def _step(self, batch: _Batch) -> None:
        self._handle(batch)
        if self._reachable:
            self._act(batch)

    def _guarded(self, work: Callable[[], None]) -> None:
        """Run one step; a bug in it is reported and the agent goes on with the next."""
        try:
            work()
        except Exception as exc:  # the loop must survive to report it
            self._emit(AgentError(time.time(), f"internal error: {type(exc).__name__}: {exc}"))
            self._publish()

    def _answer(self, batch: _Batch) -> None:
        """Answer every blocking call the batch carried that is still waiting."""
        for asked in batch.syncs:
            if asked.reply is not None and not asked.reply.done():
                asked.reply.set_exception(
                    ClusterUnreachable(self._client.server, "the agent is reconnecting")
                )
        for refresh in batch.refreshes:
            if not refresh.reply.done():
                refresh.reply.set_result(self._build_snapshot())

    def _take(self, timeout: float | None) -> _Batch:
        batch = _Batch()
        try:
            work = self._queue.get(timeout=timeout)
        except queue.Empty:
            return batch
        while True:
            _add(batch, work)
            try:
                work = self._queue.get_nowait()
            except queue.Empty:
                return batch

    def _wait_time(self) -> float | None:
        if self._reachable and self._sync_reason(_Batch()) is not None:
            return 0.0
        now = time.monotonic()
        times = []
        if self._toggle(Toggle.AUTO_SYNC) and self._toggle(Toggle.SELF_HEAL):
            times = [d.heal_at for d in self._drifting.values() if d.heal_at is not None]
        if not self._reachable:
            times.append(self._reconnect_at)
        if not times:
            return None
        return max(0.0, min(times) - now)

    def _handle(self, batch: _Batch) -> None:
        if batch.failure is not None:
            self._lost(batch.failure)
        if batch.head is not None and batch.head.sha != self._head:
            self._read_head(batch.head.sha)
        for toggled in batch.toggles:
            if toggled.enabled and toggled.toggle is Toggle.SELF_HEAL:
                for drift in self._drifting.values():
                    drift.heal_at = time.monotonic()
        if not self._reachable:
            if batch.syncs:
                self._sync_wanted = batch.syncs[-1].reason
            return
        try:
            if batch.refreshes:
                self._verdicts.clear()
                self._judge_all()
            else:
                self._judge(batch.changed)
        except ClusterUnreachable as exc:
            self._lost(exc)
        for refresh in batch.refreshes:
            refresh.reply.set_result(self._build_snapshot())

    def _act(self, batch: _Batch) -> None:
        """Sync or heal what the batch calls for."""
        target = self._target
        if self._empty_target() and target and self._refused_empty != target.revision:
            self._refused_empty = target.revision
            self._emit(
                AgentError(
                    time.time(),
                    f"revision {target.revision[:12]} has no objects: not synced automatically, "
                    "since that would prune everything; sync by hand to apply it",
                )
            )
        try:
            reason = self._sync_reason(batch)
            if reason is not None:
                record = self._sync(reason)
                for asked in batch.syncs:
                    if asked.reply is not None:
                        asked.reply.set_result(record)
            self._heal_due()
        except ClusterUnreachable as exc:
            self._lost(exc)

    def _sync_reason(self, batch: _Batch) -> str | None:
        if batch.syncs:
            return batch.syncs[-1].reason
        if self._sync_wanted is not None:
            return self._sync_wanted
        if self._target is None or not self._toggle(Toggle.AUTO_SYNC) or self._empty_target():
            return None
        if self._retry_sync:
            return "retry"
        switched_on = {t.toggle for t in batch.toggles if t.enabled}
        if switched_on & {Toggle.AUTO_SYNC, Toggle.PRUNE} and self._out_of_sync():
            return "toggle"
        if self._target.revision in (self._synced_revision, self._failed_revision):
            return None
        return "startup" if self._synced_revision is None and not self._history else "commit"

    def _empty_target(self) -> bool:
        """Is the target a revision without objects, while the cluster holds ours?

        Like Argo CD (``allowEmpty: false``), such a revision is never synced automatically:
        an emptied repository or a wrong ``path`` would otherwise prune everything.
        """
        return (
            self._target is not None
            and not self._target.objects
            and any(s.sync is SyncStatus.EXTRA for s in self._states.values())
        )

    def _out_of_sync(self) -> bool:
        prune = self._toggle(Toggle.PRUNE)
        return any(
            s.sync in (SyncStatus.OUT_OF_SYNC, SyncStatus.MISSING)
            or (prune and s.sync is SyncStatus.EXTRA)
            for s in self._states.values()
        )

    # Connection

    def _connect(self) -> None:
        """Reach the cluster, follow every managed kind, and judge everything once listed."""
        try:
            self._client.ping()
            if not self._scanned:
                self._scan()
                if self._head is None:
                    self._read_head(read_head(self._bare, self._branch))
                self._new_target()
            self._live.kick()
            self._follow_managed()
        except ClusterError as exc:
            self._lost(exc)
            self._publish()
            return
        was = self._reachable
        self._reachable = True
        self._reconnect_delay = _RECONNECT_FIRST
        if was is False:
            self._emit(
                ClusterReachability(time.time(), True, f"reachable at {self._client.server}")
            )
        try:
            self._judge_all()
            if self._synced_revision is None:
                self._adopt_if_synced()
            elif was is False and self._out_of_sync():
                self._retry_sync = True
        except ClusterUnreachable as exc:
            self._lost(exc)
        self._publish()

    def _follow_managed(self) -> None:
        """Follow (or, one-shot, list) every managed kind; the view is complete on return."""
        for api_version, kind in self._managed_kinds():
            if self._running:
                self._live.watch(api_version, kind)
            elif self._live.version_of((group_of(api_version), kind)) is None:
                self._live.load(api_version, kind)
        if self._running and not self._live.wait_synced(SYNC_WAIT):
            raise ClusterUnreachable(self._client.server, "the watches did not list in time")

    def _lost(self, error: ClusterError) -> None:
        if not isinstance(error, ClusterUnreachable):
            if str(error) != self._last_error:
                self._last_error = str(error)
                self._emit(AgentError(time.time(), str(error)))
            return
        if self._reachable is not False:
            self._emit(ClusterReachability(time.time(), False, str(error)))
        if self._reachable:
            self._reconnect_delay = _RECONNECT_FIRST
        self._reachable = False
        self._reconnect_at = time.monotonic() + self._reconnect_delay
        self._reconnect_delay = min(self._reconnect_delay * 2, _RECONNECT_MAX)

    def _scan(self) -> None:
        """Learn each kind's scope, and which kinds hold objects this sandbox owns."""
        selector = ",".join(f"{k}={v}" for k, v in self._labels.items())
        owned: list[tuple[str, str]] = []
        for info in self._client.kinds():
            self._scopes[(group_of(info.api_version), info.kind)] = info.namespaced
            if info.kind in _UNSCANNED:
                continue
            listed = self._client.list(info.api_version, info.kind, label_selector=selector)
            if listed.items:
                owned.append((info.api_version, info.kind))
        self._owned_kinds = tuple(owned)
        self._scanned = True

    def _managed_kinds(self) -> list[tuple[str, str]]:
        kinds: dict[tuple[str, str], str] = {}
        desired = self._target.objects.values() if self._target else ()
        for obj in desired:
            kinds.setdefault((obj.key.group, obj.key.kind), obj.api_version)
        for api_version, kind in (*self._owned_kinds, *CHILD_KINDS):
            kinds.setdefault((group_of(api_version), kind), api_version)
        return [(api_version, kind) for (_, kind), api_version in kinds.items()]

    def _scope_of(self, api_version: str, kind: str) -> bool | None:
        scope = self._scopes.get((group_of(api_version), kind))
        if scope is not None:
            return scope
        try:
            info = self._client.resource_for(api_version, kind)
        except ClusterError:
            return None
        self._scopes[(group_of(api_version), kind)] = info.namespaced
        return info.namespaced

    # Git

    def _read_head(self, sha: str | None) -> None:
        """Take in the branch's newest commit: render and validate it, or reject it."""
        self._head = sha
        if sha is None:
            self._head_message = ""
            return
        try:
            revision = read_revision(self._bare, sha)
        except (OSError, ValueError) as exc:
            self._emit(AgentError(time.time(), f"cannot read commit {sha[:12]}: {exc}"))
            return
        self._head_message = revision.message
        if self._running:
            self._emit(CommitSeen(time.time(), sha, revision.message))
        try:
            manifests = render_revision(revision, self._options.kube_version)
        except RevisionInvalid as exc:
            self._rejected = RevisionRejected(time.time(), sha, exc.reasons)
            self._emit(self._rejected)
            return
        self._rejected = None
        self._accepted = (sha, revision.message, manifests)
        if self._scanned:
            self._new_target()

    def _new_target(self) -> None:
        """Make the accepted revision the target, once the cluster's kinds are known."""
        if self._accepted is None or not self._scanned:
            return
        sha, message, manifests = self._accepted
        if self._target is not None and self._target.revision == sha:
            return
        self._target = desired_state(
            sha, message, manifests, self._labels, self._scope_of, self._client.default_namespace
        )
        if self._running and self._reachable:
            try:
                self._follow_managed()
                self._judge_all()
            except ClusterUnreachable as exc:
                self._lost(exc)

    # Judging

    def _judge_all(self) -> None:
        keys = set(self._states) | set(self._target.objects if self._target else ())
        for group_kind in self._live.kinds():
            if group_kind in _CHILD_GROUP_KINDS:
                continue
            for obj in self._live.objects(group_kind):
                if self._owned(obj):
                    keys.add(key_of(obj))
        self._prejudge()
        self._judge(dict.fromkeys(keys, time.time()), announce=False)

    def _prejudge(self) -> None:
        """Run the dry runs every stale verdict needs side by side, as a sync applies."""
        if self._target is None:
            return
        stale: list[tuple[DesiredObject, Obj]] = []
        for desired in self._target.objects.values():
            live = self._live_for(desired)
            if live is not None and self._known_verdict(desired, live) is None:
                stale.append((desired, live))
        if len(stale) < 2:
            return
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="agent-judge") as pool:
            verdicts = pool.map(lambda pair: judge(self._client, *pair), stale)
            for (desired, _), verdict in zip(stale, verdicts, strict=True):
                self._verdicts[desired.key] = verdict

    def _judge(self, changed: Mapping[ResourceKey, float], announce: bool = True) -> None:
        """Judge each changed resource; with ``announce``, new drift is reported (and healed)."""
        for key, at in changed.items():
            if (key.group, key.kind) in _CHILD_GROUP_KINDS and not self._is_managed(key):
                continue
            self._judge_one(key, at, announce)
        if changed:
            self._update_children()

    def _is_managed(self, key: ResourceKey) -> bool:
        if key in self._states or (self._target is not None and key in self._target.objects):
            return True
        live = self._live.get(key)
        return live is not None and self._owned(live)

    def _judge_one(self, key: ResourceKey, at: float, announce: bool) -> None:
        desired = self._target.objects.get(key) if self._target else None
        live = self._live_for(desired) if desired is not None else self._live.get(key)
        previous = self._states.get(key)
        if desired is None and (live is None or not self._owned(live)):
            self._states.pop(key, None)
            self._drifting.pop(key, None)
            self._verdicts.pop(key, None)
            self._fingerprints.pop(key, None)
            return
        result = health.assess(live)
        drift: tuple[FieldDrift, ...] = ()
        if desired is None:
            sync = SyncStatus.EXTRA
        elif live is None:
            sync = SyncStatus.MISSING
        else:
            drift = attributed(self._verdict(desired, live).items, live)
            sync = SyncStatus.OUT_OF_SYNC if drift else SyncStatus.SYNCED
        state = ResourceState(
            key=key,
            sync=sync,
            health=result.status,
            health_message=result.message,
            desired=shown(desired.body) if desired is not None else None,
            live=shown(live) if live is not None else None,
            source=desired.source if desired is not None else None,
            drift=drift,
        )
        self._states[key] = state
        if previous is not None and previous.health is not state.health and self._running:
            self._emit(
                HealthChanged(time.time(), key, previous.health, state.health, state.health_message)
            )
        if sync is SyncStatus.SYNCED:
            self._drifting.pop(key, None)
        elif announce and (previous is None or _signature(previous) != _signature(state)):
            self._announce(state, at)

    def _announce(self, state: ResourceState, at: float) -> None:
        """Report drift made by someone else (once per distinct drift) and plan its heal."""
        signature = _signature(state)
        known = self._drifting.get(state.key)
        if known is not None and known.signature == signature:
            return
        manager = main_manager(state.drift)
        self._emit(DriftDetected(time.time(), state.key, state.drift, manager))
        drift = _Drift(signature, at)
        drift.heal_at = self._backoff.due(state.key, signature, time.monotonic())
        self._drifting[state.key] = drift

    def _verdict(self, desired: DesiredObject, live: Obj) -> Verdict:
        verdict = self._known_verdict(desired, live)
        if verdict is None:
            verdict = judge(self._client, desired, live)
            self._verdicts[desired.key] = verdict
        return verdict

    def _known_verdict(self, desired: DesiredObject, live: Obj) -> Verdict | None:
        """The verdict already reached for exactly this desired and live content, if any."""
        known = self._verdicts.get(desired.key)
        if (
            known is not None
            and known.desired == desired.fingerprint
            and known.live == self._fingerprint(desired.key, live)
        ):
            return known
        return None

    def _fingerprint(self, key: ResourceKey, live: Obj) -> str:
        """The live object's content fingerprint, computed once per resourceVersion."""
        version = str((live.get("metadata") or {}).get("resourceVersion") or "")
        known = self._fingerprints.get(key)
        if known is not None and known[0] == version and version:
            return known[1]
        fingerprint = content_fingerprint(live)
        self._fingerprints[key] = (version, fingerprint)
        return fingerprint

    def _live_for(self, desired: DesiredObject) -> Obj | None:
        key = desired.key
        version = self._live.version_of((key.group, key.kind))
        if version is None or version == desired.api_version:
            return self._live.get(key)
        try:
            return self._client.get(desired.api_version, key.kind, key.namespace or None, key.name)
        except ClusterUnreachable:
            raise
        except ClusterError:
            return None

    def _owned(self, obj: Mapping[str, Any]) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(labels.get(name) == value for name, value in self._labels.items())

    def _update_children(self) -> None:
        """Owned ReplicaSets, Jobs and Pods of managed workloads, for the live tree."""
        parents: dict[str, ResourceKey] = {}
        for key in self._states:
            live = self._live.get(key)
            uid = (live or {}).get("metadata", {}).get("uid")
            if uid:
                parents[str(uid)] = key
        children: dict[ResourceKey, tuple[str, ResourceState]] = {}
        for api_version, kind in CHILD_KINDS:  # ReplicaSets and Jobs before their Pods
            for obj in self._live.objects((group_of(api_version), kind)):
                metadata = obj.get("metadata") or {}
                owner = next(
                    (
                        parents[str(ref.get("uid"))]
                        for ref in metadata.get("ownerReferences") or ()
                        if str(ref.get("uid")) in parents
                    ),
                    None,
                )
                if owner is None:
                    continue
                key = key_of(obj)
                if key in self._states:
                    continue
                version = str(metadata.get("resourceVersion", ""))
                known = self._children.get(key)
                if known is None or known[0] != version:
                    result = health.assess(obj)
                    state = ResourceState(
                        key, None, result.status, result.message, live=shown(obj), owner=owner
                    )
                    known = (version, state)
                children[key] = known
                parents[str(metadata.get("uid"))] = key
        self._children = children

    def _adopt_if_synced(self) -> None:
        """At start: a cluster already matching the target needs no sync."""
        if self._target is None or self._out_of_sync():
            return
        self._revision = self._synced_revision = self._target.revision
        self._revision_message = self._target.message

    # Syncing and healing

    def _sync(self, reason: str) -> SyncRecord:
        """Apply the target revision as a whole, prune leftovers, and record it."""
        self._sync_wanted = None
        target = self._target
        if target is None:
            record = SyncRecord(self._head or "", reason, time.time(), 0.0, (), False)
            self._history.appendleft(record)
            return record
        return self._run_sync(target, reason, None)

    def _heal_due(self) -> None:
        if not (self._toggle(Toggle.AUTO_SYNC) and self._toggle(Toggle.SELF_HEAL)):
            return
        if self._target is None:
            return
        now = time.monotonic()
        due = {
            key
            for key, drift in self._drifting.items()
            if drift.heal_at is not None and drift.heal_at <= now
        }
        if not due:
            return
        drifts = {key: self._drifting[key] for key in due}
        record = self._run_sync(self._target, "heal", due)
        done = time.time()
        ok = {r.key for r in record.results if r.ok}
        for key, drift in drifts.items():
            self._backoff.healed(key, drift.signature, time.monotonic())
            state = self._states.get(key)
            if key in ok and (state is None or state.sync is SyncStatus.SYNCED):
                self._drifting.pop(key, None)
                self._emit(Healed(done, key, (done - drift.since) * 1000.0))
            elif key in self._drifting:
                drift.heal_at = None

    def _run_sync(
        self, target: DesiredState, reason: str, only: set[ResourceKey] | None
    ) -> SyncRecord:
        self._follow_managed()
        started = time.time()
        clock = time.perf_counter()
        revision = target.revision if only is None else (self._revision or target.revision)
        if only is None:
            self._revision, self._revision_message = target.revision, target.message
        self._syncing = True
        self._emit(SyncStarted(started, revision, reason))
        self._publish()
        pairs = self._pairs(target)
        steps = plan.plan(pairs, prune=self._toggle(Toggle.PRUNE), owned=self._owned).steps
        if only is not None:
            steps = tuple(s for s in steps if s.key in only)
        befores = {p.key: dict(p.live) for p in pairs if p.live is not None}
        try:
            outcome = execute(self._client, steps, target.objects, lambda k: befores.get(k))
        finally:
            self._syncing = False
        for key, obj in outcome.applied.items():
            desired = target.objects[key]
            self._live.observe(obj)
            self._verdicts[key] = Verdict(desired.fingerprint, self._fingerprint(key, obj), ())
        for key in outcome.deleted:
            self._live.forget(key)
        if outcome.unreachable is None:
            touched = {r.key for r in outcome.results if r.action != "unchanged" or not r.ok}
            self._judge(dict.fromkeys(touched, time.time()), announce=False)
        ok = all(r.ok for r in outcome.results)
        if only is None:
            if ok:
                self._synced_revision = target.revision
                self._retry_sync = False
            elif outcome.unreachable is not None:
                self._retry_sync = True
            else:
                self._failed_revision = target.revision
                self._retry_sync = False
        duration = (time.perf_counter() - clock) * 1000.0
        record = SyncRecord(revision, reason, started, duration, outcome.results, ok)
        self._history.appendleft(record)
        self._emit(SyncFinished(time.time(), revision, duration, outcome.results, ok))
        if outcome.unreachable is not None:
            self._lost(outcome.unreachable)
        self._publish()
        return record

    def _pairs(self, target: DesiredState) -> list[plan.Pair]:
        pairs = []
        for key, desired in target.objects.items():
            live = self._live_for(desired)
            verdict = self._known_verdict(desired, live) if live is not None else None
            drift = verdict.items if verdict is not None else None
            pairs.append(plan.Pair(key, desired.body, live, drift))
        for key, state in self._states.items():
            if state.sync is SyncStatus.EXTRA and key not in target.objects:
                live = self._live.get(key)
                if live is not None:
                    pairs.append(plan.Pair(key, None, live))
        return pairs

    # Publishing

    def _toggle(self, toggle: Toggle) -> bool:
        with self._lock:
            return self._toggles[toggle]

    def _publish(self) -> None:
        """Make the current state the snapshot, then tell listeners what led to it, so a
        listener that reads the snapshot on an event sees at least that event's effect."""
        snapshot = self._build_snapshot()
        with self._lock:
            self._snapshot = snapshot
            events, self._outbox = self._outbox, []
        for event in events:
            # A listener's bug must not stop the agent.
            with contextlib.suppress(Exception):
                self._on_event(event)

    def _build_snapshot(self) -> AgentSnapshot:
        states: Iterable[ResourceState] = [
            *self._states.values(),
            *(state for _, state in self._children.values()),
        ]
        if not self._reachable:
            states = [_unknown(state) for state in states]
        history = tuple(self._history)
        with self._lock:
            toggles = MappingProxyType(dict(self._toggles))
        rejected = self._rejected
        return AgentSnapshot(
            revision=self._revision,
            revision_message=self._revision_message,
            head=self._head,
            resources=tuple(sorted(states, key=lambda s: s.key)),
            toggles=toggles,
            reachable=bool(self._reachable),
            syncing=self._syncing,
            last_sync=history[0] if history else None,
            history=history,
            rejected=rejected,
        )

    def _drain_replies(self) -> None:
        while True:
            try:
                work = self._queue.get_nowait()
            except queue.Empty:
                return
            reply = getattr(work, "reply", None)
            if isinstance(reply, Future) and not reply.done():
                reply.set_exception(ClusterError("the agent has stopped"))


def _add(batch: _Batch, work: _Work) -> None:
    if isinstance(work, _Head):
        batch.head = work
    elif isinstance(work, _Changed):
        for key in work.keys:
            batch.changed.setdefault(key, work.at)
    elif isinstance(work, _Failed):
        batch.failure = work.error
    elif isinstance(work, _SyncAsked):
        batch.syncs.append(work)
    elif isinstance(work, _RefreshAsked):
        batch.refreshes.append(work)
    elif isinstance(work, _Toggled):
        batch.toggles.append(work)
    else:
        batch.stop = True


def _signature(state: ResourceState) -> Signature:
    """What makes a drift "the same drift": its status, paths and live values."""
    status = state.sync.value if state.sync else ""
    return ((status, ""), *((f.path, repr(f.live)) for f in state.drift))


def _unknown(state: ResourceState) -> ResourceState:
    sync = None if state.sync is None else SyncStatus.UNKNOWN
    return replace(state, sync=sync, health=Health.UNKNOWN, health_message="", drift=())
