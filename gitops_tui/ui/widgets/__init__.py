"""Widgets of the main screen: each draws the values its parent sets, nothing more."""
