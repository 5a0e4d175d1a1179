"""The netdoctor TUI (Textual). Build it with `netdoctor.frontends.tui.app.make_app`."""
