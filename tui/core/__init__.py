"""The headless core of batchtui.

Nothing in this package may import Textual or Rich (a test enforces it): the core serves the
command line, the TUI and the benchmarks alike, and must be usable on a machine with no terminal.
"""
