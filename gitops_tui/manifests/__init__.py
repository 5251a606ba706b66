"""Manifests as the user wrote them: loaded with source positions, rendered, validated, linted.

Everything here is pure or does plain file and subprocess I/O, so the check command, the
watcher behind the preview and the agent all see the same desired state and the same findings.
"""
