"""Replay of a recorded incident: the triage screen with a timeline bar, sparklines and a
diff pane above it. Build the app with `make_replay_app(INCIDENT)`."""
