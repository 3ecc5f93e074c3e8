"""The model files are joined from their wheels' weight files and trusted only with the pinned
sha256: an assembled file that differs from its pin is refused, and nothing is left where the
server would read it; a file changed later is refused before the server starts. Wheels made here, in a cache folder of the test's own (so no
download: the wheels are already in the cache)."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from real_models import install
from real_models.model_packages import LINE_UPS, MODEL_PACKAGES, ModelPackage, WheelPart

CHUNKS = [b"GGUF" + bytes(range(256)) * 40, bytes(reversed(range(256))) * 33]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def chunked_package(cache: Path, *, gguf_sha256: str | None = None) -> ModelPackage:
    """A two-wheel model like the Qwen packages: byte chunks in data/partNN.bin."""
    wheels = cache / "model-wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    parts = []
    for number, chunk in enumerate(CHUNKS, start=1):
        part = WheelPart(f"tiny-model-part{number}", "1.0", "", f"tiny_model_part{number}/x.bin")
        path = wheels / part.wheel_filename
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(part.member, chunk)
        parts.append(WheelPart(part.project, part.version, sha256(path.read_bytes()), part.member))
    whole = b"".join(CHUNKS)
    return ModelPackage(
        alias="tiny-model",
        model_name="a test model",
        licence="none",
        has_declared_licence=False,
        gguf_sha256=gguf_sha256 or sha256(whole),
        gguf_bytes=len(whole),
        parts=tuple(parts),
        why="tests",
    )


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SUPPORT_TICKET_LLM_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_chunks_are_joined_in_order_and_checked(cache: Path) -> None:
    package = chunked_package(cache)
    path = install.install_model(package)
    assert path == cache / "models" / "tiny-model.gguf"
    assert path.read_bytes() == b"".join(CHUNKS)
    assert install.verify_model(package) == path


def test_an_assembled_file_that_differs_from_its_pin_is_refused(cache: Path) -> None:
    package = chunked_package(cache, gguf_sha256="0" * 64)
    with pytest.raises(install.InstallError, match="assembled file has sha256"):
        install.install_model(package)
    assert not list((cache / "models").iterdir())


def test_a_changed_model_file_is_refused_before_the_server_reads_it(cache: Path) -> None:
    package = chunked_package(cache)
    path = install.install_model(package)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(install.InstallError, match="sha256"):
        install.verify_model(package)


def test_the_test_suite_serves_only_models_with_a_declared_licence() -> None:
    assert all(package.has_declared_licence for package in LINE_UPS["smollm2"].packages)
    undeclared = {alias for alias, p in MODEL_PACKAGES.items() if not p.has_declared_licence}
    assert undeclared == {"qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-1.5b-instruct-q4_k_m"}
    for package in MODEL_PACKAGES.values():
        assert len(package.gguf_sha256) == 64 and package.parts
        assert all(len(part.wheel_sha256) == 64 for part in package.parts)
