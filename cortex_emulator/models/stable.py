"""Stable hashing: the same text gives the same number in every process and on every machine.

Python's built-in ``hash()`` is salted per process, so the emulator never uses it for anything
that shapes an answer. Everything that must look "random" is drawn from MD5 of the text instead.
"""

from __future__ import annotations

import hashlib


def stable_int(*parts: str) -> int:
    """A 64-bit integer derived from ``parts`` (joined with a separator that text rarely holds)."""
    digest = hashlib.md5("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def stable_fraction(*parts: str) -> float:
    """A number in [0, 1) derived from ``parts``: a deterministic stand-in for ``random()``."""
    return stable_int(*parts) / 2.0**64


def stable_choice(options: list[str] | tuple[str, ...], *parts: str) -> str:
    """One of ``options``, picked by the stable hash of ``parts``."""
    if not options:
        raise ValueError("stable_choice needs at least one option")
    return options[stable_int(*parts) % len(options)]
