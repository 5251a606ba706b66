"""The embedded Kubernetes-API-compatible cluster: workshops and CI need no Docker.

Public entry points: :class:`~gitops_tui.cluster.embedded.cluster.EmbeddedCluster` and
:class:`~gitops_tui.cluster.embedded.options.ClusterOptions`.
"""
