"""llama-cpp-python's OpenAI-compatible server on 127.0.0.1, on a free port, for a block.

    with LocalModelServer(packages) as server:
        server.base_url   # http://127.0.0.1:<port>/v1, every package served under its alias

The server reads a config file naming each model file; it keeps one model in memory at a time
and loads another when a request names it (the main job's stages call one model each). It is
stopped when the block ends, whatever happens (terminate, then kill). ``peak_memory_bytes``
reads the server process's peak resident memory (VmHWM) while it runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from .install import verify_model
from .model_packages import ModelPackage

STARTUP_SECONDS = 180.0
STOP_SECONDS = 15.0
CONTEXT_TOKENS = 4096


class ServerError(RuntimeError):
    pass


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so that a ``with LocalModelServer(...)`` block still
    stops its server when the script is terminated (Python's default would just exit)."""

    def _exit(number: int, frame: object) -> None:
        raise SystemExit(128 + number)

    signal.signal(signal.SIGTERM, _exit)


def free_port() -> int:
    """A TCP port nothing listens on at 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalModelServer:
    """The llama-cpp-python server for ``packages``, started and stopped by a ``with`` block."""

    def __init__(
        self,
        packages: Sequence[ModelPackage],
        *,
        threads: int | None = None,
        log_path: Path | None = None,
    ) -> None:
        if not packages:
            raise ServerError("No model to serve.")
        self.packages = tuple(packages)
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.port = 0
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self._peak_memory_bytes = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def log_path(self) -> Path:
        assert self._log_path is not None, "the server has not been started"
        return self._log_path

    def _config(self) -> dict[str, object]:
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "models": [
                {
                    "model": str(verify_model(package)),
                    "model_alias": package.alias,
                    "n_ctx": CONTEXT_TOKENS,
                    "n_threads": self.threads,
                    "n_threads_batch": self.threads,
                    "verbose": False,
                }
                for package in self.packages
            ],
        }

    def start(self) -> LocalModelServer:
        self._workdir = tempfile.TemporaryDirectory(prefix="real-models-server-")
        workdir = Path(self._workdir.name)
        if self._log_path is None:
            self._log_path = workdir / "server.log"
        self.port = free_port()
        config = workdir / "config.json"
        config.write_text(json.dumps(self._config(), indent=2))
        log = self._log_path.open("ab")
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "llama_cpp.server", "--config_file", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            log.close()
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise ServerError(
                    f"llama-cpp-python's server exited with code {self._process.returncode} "
                    f"before answering; its log:\n{self._log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.base_url + "/models", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.25)
        raise ServerError(
            f"llama-cpp-python's server did not answer on {self.base_url} within "
            f"{STARTUP_SECONDS:.0f} s; its log:\n{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def served_models(self) -> list[str]:
        with urllib.request.urlopen(self.base_url + "/models", timeout=10) as answer:
            return [model["id"] for model in json.load(answer)["data"]]

    def peak_memory_bytes(self) -> int:
        """The server's peak resident memory so far (Linux /proc VmHWM; 0 elsewhere)."""
        if self._process is not None and self._process.poll() is None:
            try:
                status = Path(f"/proc/{self._process.pid}/status").read_text()
            except OSError:
                status = ""
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    kilobytes = int(line.split()[1])
                    self._peak_memory_bytes = max(self._peak_memory_bytes, kilobytes * 1024)
        return self._peak_memory_bytes

    def stop(self) -> None:
        """Stop the server (its whole process group): SIGTERM, then SIGKILL."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            self._read_peak_memory_of(process)
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=STOP_SECONDS)
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def _read_peak_memory_of(self, process: subprocess.Popen[bytes]) -> None:
        current, self._process = self._process, process
        try:
            self.peak_memory_bytes()
        finally:
            self._process = current

    def __enter__(self) -> LocalModelServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen[bytes], number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, number)
