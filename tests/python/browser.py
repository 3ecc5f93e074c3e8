"""Headless Chromium for the tests that look at a page: Debian's package, installed on demand."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

# Headless, and closed to the network: without the background-networking flags Chromium keeps
# trying hosts this machine cannot reach.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def install_chromium() -> str:
    """The chromium binary; Debian's package (with the emoji font, for the 📧/📱 icons in the
    screenshot) is installed with apt-get when it is missing. Skips only where apt-get does not
    exist; any other failure fails the test."""
    found = shutil.which("chromium")
    if found:
        return found
    apt_get = shutil.which("apt-get")
    if apt_get is None:
        pytest.skip("chromium is not installed and apt-get is unavailable to install it")
    packages = ["chromium", "fonts-noto-color-emoji"]
    command = [apt_get, "install", "-y", "--no-install-recommends", *packages]
    if os.geteuid() != 0:
        command = ["sudo", "-n", *command]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    attempt = subprocess.run(command, capture_output=True, text=True, env=environment)
    if attempt.returncode != 0:  # stale package lists: update once and retry
        apt = command[: command.index("install")]
        subprocess.run([*apt, "update"], capture_output=True, text=True, env=environment)
        attempt = subprocess.run(command, capture_output=True, text=True, env=environment)
    found = shutil.which("chromium")
    assert found, (
        f"`{' '.join(command)}` did not install chromium (exit {attempt.returncode}):\n"
        f"{attempt.stdout[-2000:]}\n{attempt.stderr[-2000:]}"
    )
    return found
