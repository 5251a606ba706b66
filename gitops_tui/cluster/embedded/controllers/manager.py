"""Runs the simulated control plane on one background thread, fed by the store's events.

Real controllers run on informers and rate-limited work queues; this keeps that shape at a
sandbox's scale. Every store event is offered to each controller, which names the keys it must
reconcile; keys wait in one insertion-ordered queue keyed by (controller, key), so a burst of
events about one Deployment costs a few reconciles, not one per event. Delayed work (a Pod
turning Ready, a Job's Pod finishing, a CronJob's next schedule, a retry) sits on a timer heap.

The thread only ever calls :class:`ClusterAPI`, which takes the store's lock briefly per call;
it holds no lock of its own, so the HTTP server is never blocked behind a reconcile. Errors are
logged and retried with backoff; nothing a controller raises stops the thread.

While clients are being served, the thread paces itself (see :mod:`..load`): after each
reconcile, and before each write a reconcile makes, it pauses for ``CLIENT_PRIORITY`` times as
long as the work since its last pause took, so reconciles
take at most a ninth of the interpreter from clients (a reconcile that is running when a request
arrives delays it: the interpreter hands over every few milliseconds); with no client traffic
it works flat out.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time

from gitops_tui.cluster.embedded.api import ClusterAPI
from gitops_tui.cluster.embedded.controllers.base import Clock, Context, Controller, PacedAPI
from gitops_tui.cluster.embedded.controllers.cronjob import CronJobController
from gitops_tui.cluster.embedded.controllers.daemonset import DaemonSetController
from gitops_tui.cluster.embedded.controllers.deployment import DeploymentController
from gitops_tui.cluster.embedded.controllers.endpoints import EndpointsController
from gitops_tui.cluster.embedded.controllers.endpointslice import EndpointSliceController
from gitops_tui.cluster.embedded.controllers.events import EventRecorder
from gitops_tui.cluster.embedded.controllers.garbage import GarbageCollector
from gitops_tui.cluster.embedded.controllers.job import JobController
from gitops_tui.cluster.embedded.controllers.kubelet import Kubelet
from gitops_tui.cluster.embedded.controllers.namespace import NamespaceController
from gitops_tui.cluster.embedded.controllers.replicaset import ReplicaSetController
from gitops_tui.cluster.embedded.controllers.statefulset import StatefulSetController
from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.load import ClientLoad
from gitops_tui.cluster.embedded.meta import now as wall_clock
from gitops_tui.cluster.embedded.options import ClusterOptions
from gitops_tui.cluster.embedded.store import ADDED, Key, Subscription, WatchEvent

log = logging.getLogger(__name__)

CONTROLLERS: tuple[type[Controller], ...] = (
    DeploymentController,
    ReplicaSetController,
    StatefulSetController,
    DaemonSetController,
    JobController,
    CronJobController,
    Kubelet,
    EndpointsController,
    EndpointSliceController,
    GarbageCollector,
    NamespaceController,
)

#: Retry delays: conflicts retry almost at once, other failures back off up to the cap.
_CONFLICT_DELAY = 0.01
_FIRST_RETRY = 0.05
_MAX_RETRY = 10.0
#: While clients are served, each reconcile is followed by a pause this many times its length.
CLIENT_PRIORITY = 8.0  # reconciles get 1/9 of the interpreter
#: Clients count as being served until this long after their last request ended.
_CLIENT_QUIET = 0.05

WorkItem = tuple[str, Key]


class ControllerManager:
    """kube-controller-manager, kube-scheduler and one kubelet, simulated in-process."""

    def __init__(
        self,
        api: ClusterAPI,
        options: ClusterOptions,
        clock: Clock | None = None,
        load: ClientLoad | None = None,
    ) -> None:
        self._api = api
        self._load = load or ClientLoad()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._subscription: Subscription | None = None
        self._queue: dict[WorkItem, None] = {}
        self._timers: list[tuple[float, int, WorkItem]] = []
        self._sequence = itertools.count()
        self._failures: dict[WorkItem, int] = {}
        self._worked_since = time.monotonic()
        clock = clock or wall_clock
        paced = PacedAPI(api, self._pace)
        context = Context(paced, options, clock, EventRecorder(paced, clock), self._requeue)
        self._controllers = {cls.name: cls(context) for cls in CONTROLLERS}

    def start(self) -> None:
        """Reconcile what is stored, then follow every change; returns at once."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._subscription, _ = self._api.store.subscribe(lambda _event: True)
        self._thread = threading.Thread(target=self._run, name="embedded-controllers", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the worker (it finishes the reconcile in hand) and wait for it."""
        self._stopping.set()
        if self._subscription is not None:
            self._subscription.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None
        self._subscription = None

    def _requeue(self, controller: str, key: Key, delay: float) -> None:
        due = time.monotonic() + delay
        heapq.heappush(self._timers, (due, next(self._sequence), (controller, key)))

    def _run(self) -> None:
        for key, obj in self._api.store.iter_all():
            self._offer(WatchEvent(ADDED, key, obj, None, 0))
        while not self._stopping.is_set():
            self._wait()
            self._promote_due_timers()
            self._work()

    def _wait(self) -> None:
        """Block until an event arrives, the next timer is due, or there is queued work."""
        if self._queue:
            timeout = 0.0
        elif self._timers:
            timeout = max(self._timers[0][0] - time.monotonic(), 0.0)
        else:
            timeout = None
        self._take_event(timeout)
        self._drain_events()

    def _take_event(self, timeout: float | None) -> bool:
        assert self._subscription is not None
        try:
            if timeout == 0.0:
                event = self._subscription.events.get_nowait()
            else:
                event = self._subscription.events.get(timeout=timeout)
        except queue.Empty:
            return False
        if event is None:
            self._stopping.set()
            return False
        self._offer(event)
        return True

    def _drain_events(self) -> None:
        while not self._stopping.is_set() and self._take_event(0.0):
            pass

    def _offer(self, event: WatchEvent) -> None:
        for name, controller in self._controllers.items():
            try:
                keys = list(controller.keys_for(event))
            except Exception:
                log.exception("%s could not map an event on %s", name, event.key)
                continue
            for key in keys:
                self._queue.setdefault((name, key), None)

    def _promote_due_timers(self) -> None:
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, item = heapq.heappop(self._timers)
            self._queue.setdefault(item, None)

    def _work(self) -> None:
        while self._queue and not self._stopping.is_set():
            item = next(iter(self._queue))
            del self._queue[item]
            self._worked_since = time.monotonic()
            self._sync(item)
            self._pace()
            self._drain_events()
            self._promote_due_timers()

    def _pace(self) -> None:
        """After a stretch of work (a reconcile, or before each of its writes): while clients
        are being served, pause ``CLIENT_PRIORITY`` times as long as the stretch took."""
        now = time.monotonic()
        if self._load.busy(_CLIENT_QUIET):
            self._stopping.wait((now - self._worked_since) * CLIENT_PRIORITY)
            now = time.monotonic()
        self._worked_since = now

    def _sync(self, item: WorkItem) -> None:
        name, key = item
        try:
            self._controllers[name].sync(key)
        except APIError as exc:
            if exc.code == 409:
                self._retry(item, _CONFLICT_DELAY)
            elif exc.code in (403, 404):
                # Gone, or its namespace is: the event that follows says what to do next.
                log.debug("%s %s: %s", name, key, exc.message)
                self._failures.pop(item, None)
            else:
                log.warning("%s %s failed: %s", name, key, exc.message)
                self._retry(item, _FIRST_RETRY)
            return
        except Exception:
            log.exception("%s %s failed", name, key)
            self._retry(item, _FIRST_RETRY)
            return
        self._failures.pop(item, None)

    def _retry(self, item: WorkItem, base: float) -> None:
        failures = self._failures.get(item, 0)
        self._failures[item] = failures + 1
        self._requeue(item[0], item[1], min(base * 2**failures, _MAX_RETRY))
