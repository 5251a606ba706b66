"""Behaviour knobs of the simulated control plane and nodes, shared by cluster and controllers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClusterOptions:
    """Behaviour knobs of the simulated control plane and nodes."""

    #: Seconds a scheduled Pod stays ContainerCreating before it is Running and Ready.
    pod_ready_seconds: float = 1.0
    #: Regular expression: images matching it never pull (ErrImagePull -> ImagePullBackOff).
    unpullable_image: str = r"(:|@)(unpullable|does-not-exist|nonexistent)[\w.-]*$"
    #: Seconds between watch BOOKMARK events (when the client allows them).
    bookmark_interval: float = 10.0
    #: Seconds a Job's Pod runs before it Succeeds.
    job_run_seconds: float = 1.0
    #: Watch events kept for resuming watches; older resourceVersions get 410 Expired
    #: (kube-apiserver's watch cache and etcd compaction play this part).
    watch_history: int = 10000
