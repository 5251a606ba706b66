"""Simulated kube-controller-manager, kube-scheduler and kubelet of the embedded cluster.

Dashboards and kubectl expect a cluster that acts: Deployments that roll out, Pods that become
Ready, Jobs that complete, deleted owners whose dependents go. :class:`ControllerManager` runs
those control loops in-process against :class:`~gitops_tui.cluster.embedded.api.ClusterAPI`.
"""

from gitops_tui.cluster.embedded.controllers.manager import ControllerManager

__all__ = ["ControllerManager"]
