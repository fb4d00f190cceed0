"""Screens: the main batch list, and the modals it opens (confirm, annotate, help)."""
