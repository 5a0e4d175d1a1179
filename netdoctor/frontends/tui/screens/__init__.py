"""Screens of the netdoctor TUI."""
