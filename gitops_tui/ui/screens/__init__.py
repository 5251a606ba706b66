"""Screens and modals: the main view, help, history/revert, commit, drift menu, working tree."""
