"""Widgets of the main screen: the batch table, the status bar, the detail pane."""
