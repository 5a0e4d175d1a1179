"""Render a Report as text, JSON or Markdown (`render.render`); no Textual here."""
