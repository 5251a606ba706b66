"""gitops-tui: a terminal dashboard that runs and explains a complete GitOps loop locally."""

__version__ = "0.1.0"
