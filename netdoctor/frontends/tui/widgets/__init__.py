"""Widgets of the netdoctor TUI."""
