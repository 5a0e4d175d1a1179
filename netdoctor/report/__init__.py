"""Render a Report as JSON, a terminal table or Markdown (no Textual here)."""
