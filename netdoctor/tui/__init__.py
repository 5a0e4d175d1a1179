"""The netdoctor TUI (Textual). Build it with `netdoctor.tui.app.make_app`."""
