"""The terminal app: Git's desired tree beside the cluster's live tree, drift highlighted.

The only package that imports Textual (``tests/test_layers.py`` keeps the core free of it).
Widgets and screens only draw values handed to them; workers started by the app do all I/O
(Git, the cluster, the disk) and report back in small past-tense messages, and the agent's
events arrive from its own threads as messages too, so the interface never waits on anything.
"""
