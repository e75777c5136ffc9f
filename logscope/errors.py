"""Exceptions logscope raises on purpose; the CLI turns them into messages."""

from __future__ import annotations


class LogscopeError(Exception):
    """Base class: a problem to report to the user in one sentence, no traceback."""


class NoRunsFound(LogscopeError):
    """Nothing readable was found under the given paths."""


class ConfigError(LogscopeError):
    """A detector, parameter, format or option name that does not exist, or a bad value."""
