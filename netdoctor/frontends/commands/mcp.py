"""`netdoctor mcp`: serve the checks as Model Context Protocol tools over stdio."""

from __future__ import annotations

import argparse
from pathlib import Path

from netdoctor.errors import UsageError
from netdoctor.frontends.commands import summary

DESCRIPTION = """\
Serve netdoctor to AI agents over the Model Context Protocol (MCP) on stdin/stdout: an MCP
client (Claude Desktop, VS Code, an agent framework) starts this command and calls its tools:

  check     the JSON report of a bundle, an incident (or one frame) or a live capture
  explain   one finding by number, with its playbook filled in from it
  capacity  per-node pod headroom and per-subnet free IPs and /28 blocks
  timeline  when each finding of a recorded incident appeared and cleared
  playbook  a remediation playbook, or the list of them

Every tool is read-only: bundles are only read, a live capture makes the same get/list/describe
calls as `netdoctor capture` and is redacted the same way (--redact-ids here forces id tokens on
every live capture). A bad argument returns the one-line error the CLI would print.
The live-cluster options below are the defaults of every live call (a call may name its own).
See docs/agents.md for client configuration. Needs the SDK: pip install 'netdoctor[mcp]'."""

EPILOG = """\
examples:
  netdoctor mcp                                   # any path, live captures allowed
  netdoctor mcp --root ~/incidents --no-live      # only bundles under ~/incidents
  netdoctor mcp --context prod-eu --redact-ids    # see docs/agents.md for the client JSON"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `netdoctor mcp`."""
    from netdoctor.frontends.commands.common import add_bundle_options
    from netdoctor.frontends.commands.live_source import add_live_source_options

    parser = subparsers.add_parser(
        "mcp",
        help=summary("mcp"),
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--root",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="tools may only read bundles and incidents under DIR (repeatable; default: any "
        "path the server's user can read)",
    )
    parser.add_argument(
        "--no-live",
        action="store_true",
        help="refuse live: true (no cluster or AWS calls at all)",
    )
    parser.add_argument(
        "--redact-ids",
        action="store_true",
        help="every live capture also tokenises account ids, outside IPs, host names and "
        "identifying names, as `netdoctor capture --redact-ids`",
    )
    parser.add_argument(
        "--checks-dir",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="also load checks from *.py files in DIR (repeatable); only here, never from a "
        "tool call",
    )
    add_bundle_options(parser)
    add_live_source_options(parser)
    parser.set_defaults(run=run)


def _live_defaults(args: argparse.Namespace, namespaces: tuple[str, ...]) -> dict[str, object]:
    """The live-source options given on the command line, under the tools' argument names."""
    if args.request_timeout <= 0:
        raise UsageError("--request-timeout must be positive")
    given: dict[str, object] = {
        key: getattr(args, key)
        for key in ("kubeconfig", "context", "cluster", "region", "profile")
        if getattr(args, key) is not None
    }
    if namespaces:
        given["namespaces"] = list(namespaces)
    given["request_timeout"] = args.request_timeout
    return given


def run(args: argparse.Namespace) -> int:
    try:
        from netdoctor.frontends.agents.server import serve
    except ModuleNotFoundError as exc:
        if exc.name is None or not exc.name.startswith("mcp"):
            raise
        raise UsageError("netdoctor mcp needs the MCP SDK: pip install 'netdoctor[mcp]'") from exc
    from netdoctor.frontends.agents.arguments import ServerConfig
    from netdoctor.frontends.commands.common import selected_checks, size_limits
    from netdoctor.frontends.commands.live_source import namespaces_of

    for root in args.root:
        if not root.is_dir():
            raise UsageError(f"--root {root}: not a directory")
    config = ServerConfig(
        checks_dirs=tuple(args.checks_dir),
        max_bundle_size=args.max_bundle_size,
        allow_live=not args.no_live,
        roots=tuple(root.resolve() for root in args.root),
        redact_ids=args.redact_ids,
        live_defaults=_live_defaults(args, namespaces_of(args)),
    )
    # Fail now, on the command line, for a bad --checks-dir or size rather than on every call.
    size_limits(args)
    selected_checks(argparse.Namespace(checks_dir=args.checks_dir, check=[], skip_check=[]))
    serve(config)
    return 0
