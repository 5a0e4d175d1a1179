"""The check API, discovery and the runner."""
