"""The input schemas tools share, and a call's arguments as the options the CLI reads.

A tool call's arguments are validated against the tool's JSON Schema, then mapped onto the same
`argparse.Namespace` attributes `netdoctor check` fills, so a bad id, path or frame fails with
the very line the CLI prints (`netdoctor: error: ...`).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netdoctor.errors import UsageError

Schema = dict[str, Any]

BUNDLE: Schema = {
    "type": "string",
    "description": "A bundle (directory, .tar.gz/.tgz/.tar/.zip), a recorded incident "
    "(directory or archive) or one frame of it (INCIDENT/frames/0003). Relative paths are "
    "resolved against the server's working directory.",
}
FRAME: Schema = {
    "type": "string",
    "description": "With an incident: the frame to use, as `netdoctor check --frame` takes it "
    "(1-based number, first, last, an RFC 3339 time, HH:MM[:SS] or +DURATION after the first "
    "frame).",
}
LIVE: Schema = {
    "type": "boolean",
    "description": "Capture from the live cluster and its AWS account instead of reading a "
    "bundle (read-only calls; redacted like `netdoctor capture`); the temporary bundle is "
    "removed afterwards.",
}
CHECKS: Schema = {
    "type": "array",
    "items": {"type": "string"},
    "description": "Run only these check ids (`netdoctor checks` lists them); default: all.",
}
SKIP_CHECKS: Schema = {
    "type": "array",
    "items": {"type": "string"},
    "description": "Do not run these check ids.",
}

LIVE_SOURCE: dict[str, Schema] = {
    "kubeconfig": {"type": "string", "description": "kubeconfig file (default: $KUBECONFIG)."},
    "context": {"type": "string", "description": "kubeconfig context (default: current)."},
    "cluster": {"type": "string", "description": "EKS cluster name (default: detected)."},
    "region": {"type": "string", "description": "AWS region (default: detected)."},
    "profile": {"type": "string", "description": "AWS profile (default: credential chain)."},
    "namespaces": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Capture namespaced objects only from these namespaces (default: all).",
    },
    "request_timeout": {
        "type": "number",
        "exclusiveMinimum": 0,
        "description": "Seconds to wait for one API response before retrying (default: 30).",
    },
    "redact_ids": {
        "type": "boolean",
        "description": "Also replace account ids, outside IPs, host names and identifying names "
        "with stable tokens, as `netdoctor capture --redact-ids` does.",
    },
}
"""The live-source options of `netdoctor capture`, under the same names."""

SOURCE: dict[str, Schema] = {
    "bundle": BUNDLE,
    "frame": FRAME,
    "live": LIVE,
    **LIVE_SOURCE,
}
"""Where a tool reads from: a path (and frame) or a live capture."""

SELECTION: dict[str, Schema] = {"checks": CHECKS, "skip_checks": SKIP_CHECKS}


def object_schema(properties: Mapping[str, Schema], required: tuple[str, ...] = ()) -> Schema:
    """A closed object schema (unknown arguments are refused, as argparse refuses them)."""
    schema: Schema = {
        "type": "object",
        "properties": dict(properties),
        "additionalProperties": False,
    }
    if required:
        schema["required"] = list(required)
    return schema


@dataclass(frozen=True)
class ServerConfig:
    """What the person who started `netdoctor mcp` allowed, fixed for the whole session."""

    checks_dirs: tuple[Path, ...] = ()
    """`--checks-dir`: extra checks, loaded from the command line only (never from an agent)."""
    max_bundle_size: int | None = None
    allow_live: bool = True
    roots: tuple[Path, ...] = ()
    """`--root`: paths a call may name must lie under one of these (none: any path)."""
    redact_ids: bool = False
    """`--redact-ids`: every live capture tokenises ids, whatever the call asks."""
    live_defaults: Mapping[str, Any] = field(default_factory=dict)
    """Live-source options from the command line (`--context prod`...), by their `LIVE_SOURCE`
    names: what a live call uses unless it names its own."""


def validate(name: str, schema: Schema, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
    """The arguments, checked against the tool's schema.

    Raises:
        UsageError: one line naming the argument and what is wrong with it.
    """
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    given = dict(arguments or {})
    error = best_match(Draft202012Validator(schema).iter_errors(given))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path)
        raise UsageError(f"{name}: {f'argument {where}: ' if where else ''}{error.message}")
    return given


def _within(path: str, roots: tuple[Path, ...]) -> None:
    if not roots:
        return
    resolved = Path(path).resolve()
    if not any(resolved.is_relative_to(root) for root in roots):
        raise UsageError(
            f"{path}: outside the directories this server may read "
            f"(--root {' '.join(str(r) for r in roots)})"
        )


def namespace(
    arguments: Mapping[str, Any], schema: Schema, config: ServerConfig
) -> argparse.Namespace:
    """The tool arguments as the Namespace `netdoctor check` would have parsed; a tool's own
    arguments (`finding`, `id`...) are added under their names, with their schema defaults.

    Raises:
        UsageError: a live capture this server does not allow, a path outside `--root`.
    """
    live = bool(arguments.get("live", False))
    bundle = arguments.get("bundle", arguments.get("incident"))
    if live and not config.allow_live:
        raise UsageError("live: this server was started with --no-live; give a bundle path")
    if isinstance(bundle, str):
        _within(bundle, config.roots)
    stray = [key for key in LIVE_SOURCE if key in arguments] if not live else []
    if stray:
        raise UsageError(f"{', '.join(stray)}: only with live: true")
    if live:
        arguments = {**config.live_defaults, **arguments}
    own = {
        key: arguments.get(key, prop.get("default"))
        for key, prop in schema.get("properties", {}).items()
        if key not in SOURCE and key not in SELECTION
    }
    return argparse.Namespace(
        **own,
        bundle=bundle,
        live=live,
        frame=arguments.get("frame"),
        check=list(arguments.get("checks", [])),
        skip_check=list(arguments.get("skip_checks", [])),
        checks_dir=list(config.checks_dirs),
        max_bundle_size=config.max_bundle_size,
        kubeconfig=arguments.get("kubeconfig"),
        context=arguments.get("context"),
        cluster=arguments.get("cluster"),
        region=arguments.get("region"),
        profile=arguments.get("profile"),
        namespace=list(arguments.get("namespaces", [])),
        request_timeout=float(arguments.get("request_timeout", 30.0)),
        redact_ids=config.redact_ids or bool(arguments.get("redact_ids", False)),
        redact_key=None,
    )
