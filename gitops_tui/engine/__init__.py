"""The GitOps engine: pair desired with live objects, diff them, plan the sync, assess health.

``plan``, ``diff`` and ``health`` are pure functions over plain dicts as kube-apiserver
returns them, so every decision the agent takes (what drifted, what to create, what it may
prune, whether a rollout is done) can be tested without a cluster and replayed from a trace.
The agent's loop is the only part of this package that does I/O, and only through
``gitops_tui.cluster``.
"""
