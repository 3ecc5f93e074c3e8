"""The one exception type the emulator raises: DuckDB shows its message to the caller."""

from __future__ import annotations


class CortexError(ValueError):
    """A Cortex-style error. Messages say what went wrong and what to do about it."""
