"""Recorded incidents: a directory (or archive) of snapshot bundles, one per frame.

Headless: nothing here imports Textual. `store` writes frames, `reader` opens them in order,
`timeline` follows each finding across frames, `diff` says what changed between two frames.
"""
