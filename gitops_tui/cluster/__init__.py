"""Clusters the agent can drive: embedded, kind, or any kubeconfig context."""
