"""Install the dbt packages of packages.yml: from the dbt Hub when it answers, else the stand-ins.

    python offline_packages/dbt_deps.py [--dbt PATH] [--if-missing]

dbt refuses to run at all while a package of packages.yml is not installed in dbt_packages/, and
`dbt deps` needs the dbt Hub (and GitHub, where hub packages are downloaded from). So:

- online (the hub answers): `dbt deps` installs the real packages; a failure is an error;
- offline (the hub does not answer, or `dbt deps` fails for lack of network): each package is
  linked from the project's stand-in, offline_packages/<name>/, which implements the few tests the
  project uses under the same names and arguments.

It ends with one line saying which mode it is in. `--if-missing` does nothing (no network) when
every package is already installed: the test suite's session fixture uses it. The Makefile's
`deps` target (a prerequisite of `make run` and `make test`) runs it without.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

OFFLINE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = OFFLINE_DIR.parent
STAND_IN_MARKER = "STAND_IN.md"
DEFAULT_HUB_URL = "https://hub.getdbt.com/"
PROBE_TIMEOUT_SECONDS = 5
# What dbt and requests say when a download fails for lack of network (not for a wrong version).
NETWORK_ERROR_MARKERS = (
    "External connection exception occurred",
    "Max retries exceeded",
    "NameResolutionError",
    "Failed to resolve",
    "Failed to establish a new connection",
    "Connection refused",
    "Network is unreachable",
    "timed out",
)


class DepsError(RuntimeError):
    pass


@dataclass(frozen=True)
class Package:
    """One entry of packages.yml and the directory dbt installs it as."""

    spec: str
    install_name: str

    @property
    def stand_in(self) -> Path:
        return OFFLINE_DIR / self.install_name


def hub_url() -> str:
    """The registry dbt uses: DBT_PACKAGE_HUB_URL when set (dbt reads the same variable)."""
    url = os.environ.get("DBT_PACKAGE_HUB_URL") or DEFAULT_HUB_URL
    return url if url.endswith("/") else url + "/"


def packages_install_dir(project_dir: Path) -> Path:
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    return project_dir / (project.get("packages-install-path") or "dbt_packages")


def specified_packages(project_dir: Path) -> list[Package]:
    """The packages.yml entries. Hub packages install as the part after the slash."""
    path = project_dir / "packages.yml"
    if not path.exists():
        return []
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("packages") or []
    packages = []
    for entry in entries:
        if "package" not in entry:
            raise DepsError(
                f"packages.yml: only dbt Hub packages have offline stand-ins here, not {entry}. "
                "Add a stand-in to offline_packages/ or extend offline_packages/dbt_deps.py."
            )
        packages.append(Package(entry["package"], entry["package"].split("/")[-1]))
    return packages


def is_stand_in(installed: Path) -> bool:
    return (installed / STAND_IN_MARKER).exists()


def describe(project_dir: Path, packages: list[Package]) -> str:
    """One line: which mode the installed packages are in."""
    if not packages:
        return "dbt packages: none in packages.yml."
    install_dir = packages_install_dir(project_dir)
    missing = [p.spec for p in packages if not (install_dir / p.install_name).is_dir()]
    if missing:
        return f"dbt packages: NOT INSTALLED ({', '.join(missing)}): run `make deps`."
    stand_ins = [p.install_name for p in packages if is_stand_in(install_dir / p.install_name)]
    if stand_ins:
        return (
            f"dbt packages: OFFLINE mode - {', '.join(stand_ins)} is the project's stand-in from "
            "offline_packages/ (the dbt Hub was unreachable); `make deps` online installs the real one."
        )
    versions = ", ".join(
        f"{p.spec} {_project_version(install_dir / p.install_name)}" for p in packages
    )
    return f"dbt packages: ONLINE mode - installed from the dbt Hub: {versions}."


def _project_version(package_dir: Path) -> str:
    project = yaml.safe_load((package_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    return str(project.get("version", "?"))


def hub_unreachable_reason() -> str | None:
    """None when the dbt Hub answers, else why not (a quick probe, not dbt's 5 slow retries)."""
    url = hub_url() + "api/v1/index.json"
    try:
        import requests  # dbt's own HTTP client: same proxies and certificates as `dbt deps`

        response = requests.get(url, timeout=PROBE_TIMEOUT_SECONDS)
    except ImportError:  # pragma: no cover - dbt always brings requests
        import urllib.request

        try:
            with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_SECONDS):
                return None
        except OSError as error:
            return f"{url}: {error}"
    except Exception as error:  # any failure to connect means offline
        return f"{url}: {type(error).__name__}"
    return None if response.ok else f"{url}: HTTP {response.status_code}"


def run_dbt_deps(dbt: str, project_dir: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [dbt, "deps", "--project-dir", str(project_dir)],
            capture_output=True,
            text=True,
            cwd=project_dir,
        )
    except OSError as error:
        raise DepsError(f"cannot run dbt ({dbt}): {error}. Run `make setup` first.") from error


def link_stand_ins(project_dir: Path, packages: list[Package]) -> None:
    """dbt_packages/<name> -> offline_packages/<name> (a relative link, as `dbt deps` links local
    packages; a copy where links are not possible). Replaces whatever was installed there."""
    missing = [
        package.spec for package in packages if not (package.stand_in / "dbt_project.yml").exists()
    ]
    if missing:
        raise DepsError(
            f"The dbt Hub is unreachable and there is no offline stand-in for {', '.join(missing)} "
            "in offline_packages/: connect to the network and run `make deps`."
        )
    install_dir = packages_install_dir(project_dir)
    install_dir.mkdir(parents=True, exist_ok=True)
    for package in packages:
        target = install_dir / package.install_name
        # Build the link under a name dbt ignores ("__..."), then rename it into place, so a dbt
        # running at the same moment never sees the package missing.
        staging = install_dir / f"__{package.install_name}.{os.getpid()}"
        _remove(staging)
        try:
            staging.symlink_to(
                os.path.relpath(package.stand_in, install_dir), target_is_directory=True
            )
        except OSError:
            shutil.copytree(package.stand_in, staging)
        if target.is_symlink() or not target.exists():
            os.replace(staging, target)
        else:  # a real directory cannot be replaced by a rename: move it aside first
            aside = install_dir / f"__{package.install_name}.old.{os.getpid()}"
            os.replace(target, aside)
            os.replace(staging, target)
            _remove(aside)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def install(dbt: str, project_dir: Path = PROJECT_DIR, if_missing: bool = False) -> str:
    """Install the packages; returns the one-line description of the mode."""
    packages = specified_packages(project_dir)
    install_dir = packages_install_dir(project_dir)
    if not packages or (
        if_missing and all((install_dir / package.install_name).is_dir() for package in packages)
    ):
        return describe(project_dir, packages)

    reason = hub_unreachable_reason()
    if reason is None:
        deps = run_dbt_deps(dbt, project_dir)
        if deps.returncode == 0:
            return describe(project_dir, packages)
        output = deps.stdout + deps.stderr
        if not any(marker in output for marker in NETWORK_ERROR_MARKERS):
            raise DepsError(f"`dbt deps` failed:\n{output[-4000:]}")
        reason = "`dbt deps` could not download the packages"
    installed = [install_dir / package.install_name for package in packages]
    if all(path.is_dir() and not is_stand_in(path) for path in installed):
        # Offline now, but the real packages are there from an earlier online run: keep them.
        return (
            describe(project_dir, packages) + f" [kept: the dbt Hub is unreachable now, {reason}]"
        )
    link_stand_ins(project_dir, packages)
    return describe(project_dir, packages) + f" [{reason}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dbt", default=shutil.which("dbt") or "dbt", help="the dbt executable")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    parser.add_argument(
        "--if-missing", action="store_true", help="do nothing when every package is installed"
    )
    args = parser.parse_args(argv)
    try:
        print(install(args.dbt, args.project_dir.resolve(), if_missing=args.if_missing))
    except DepsError as error:
        print(f"dbt packages: FAILED - {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
