"""Errors that end a command with one clear line and exit status 2."""

from __future__ import annotations


class NetdoctorError(Exception):
    """A user-facing error: its message is printed as one line, never with a traceback."""

    title = "netdoctor error"
    exit_code = 2


class BundleError(NetdoctorError):
    """A bundle could not be read: bad path, bad archive, bad JSON or wrong shape."""

    title = "Cannot read the bundle"


class CheckLoadError(NetdoctorError):
    """Checks could not be loaded or selected (duplicate id, unknown id)."""

    title = "Cannot load checks"


class PlaybookError(NetdoctorError):
    """A playbook is missing or malformed."""

    title = "Playbook problem"


class UsageError(NetdoctorError):
    """The command line asked for something that cannot be done."""

    title = "Usage error"
