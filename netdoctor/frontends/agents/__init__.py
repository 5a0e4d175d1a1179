"""`netdoctor mcp`: the checks as Model Context Protocol tools for AI agents.

`tools.TOOLS` is the tool table (name, documented input schema, handler); `arguments` holds the
schema fragments tools share and turns a call's arguments into the options the CLI commands
read; `sources` opens what a call names (bundle, incident frame, live capture); `server` serves
the table over stdio with the official MCP SDK (imported only there).
"""
