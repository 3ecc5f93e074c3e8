"""Build the folder `snow dbt deploy` uploads as the dbt project object (dbt Projects on Snowflake).

    .venv/bin/python deploy/snowflake/bundle.py [OUTPUT_DIR]    # default build/snowflake_dbt_project
    make snowflake-bundle                                        # the same, after make deps

It holds the dbt project and nothing else: dbt_project.yml, packages.yml, selectors.yml, the
folders dbt_project.yml names (models, macros, seeds, the dbt tests; no Python), dbt_packages/
as `make deps` installed them (links followed, so the offline stand-ins ship as files), and
deploy/snowflake/profiles.yml as profiles.yml. The packages ship with the project, so the object
needs no external access integration for `dbt deps`. Prints the file count against Snowflake's
limit of 20,000 files per project folder (target/, dbt_packages/ and logs/ included).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import yaml

DEPLOY_DIR = Path(__file__).resolve().parent
PROJECT_DIR = DEPLOY_DIR.parents[1]
DEFAULT_OUTPUT = PROJECT_DIR / "build" / "snowflake_dbt_project"
NATIVE_PROFILE = DEPLOY_DIR / "profiles.yml"
#: Snowflake's limit on the files of a dbt project folder (the limitations page of dbt Projects
#: on Snowflake), target/, dbt_packages/ and logs/ included.
MAX_PROJECT_FILES = 20_000
PROJECT_FILES = ("dbt_project.yml", "packages.yml", "package-lock.yml", "selectors.yml")
PATH_KEYS = (
    "model-paths",
    "macro-paths",
    "seed-paths",
    "test-paths",
    "analysis-paths",
    "snapshot-paths",
    "docs-paths",
)
#: Files dbt reads from those folders; anything else (the pytest suite, caches) stays home.
DBT_SUFFIXES = {".sql", ".yml", ".yaml", ".md", ".csv"}


def project_folders() -> list[str]:
    config = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    folders = {folder for key in PATH_KEYS for folder in config.get(key, [])}
    return sorted(folder for folder in folders if (PROJECT_DIR / folder).is_dir())


def _copy_dbt_files(source: Path, destination: Path) -> None:
    for path in sorted(source.rglob("*")):
        if path.is_file() and path.suffix in DBT_SUFFIXES and "__pycache__" not in path.parts:
            target = destination / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def build(output: Path = DEFAULT_OUTPUT) -> list[Path]:
    """Writes the bundle to ``output`` (replacing it); returns its files."""
    packages = PROJECT_DIR / "dbt_packages"
    if not packages.is_dir() or not any(packages.iterdir()):
        raise SystemExit("dbt_packages/ is empty: run `make deps` first.")
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True)
    for name in PROJECT_FILES:
        if (PROJECT_DIR / name).is_file():
            shutil.copyfile(PROJECT_DIR / name, output / name)
    for folder in project_folders():
        _copy_dbt_files(PROJECT_DIR / folder, output / folder)
    shutil.copytree(packages, output / "dbt_packages", symlinks=False)
    shutil.copyfile(NATIVE_PROFILE, output / "profiles.yml")
    return sorted(path for path in output.rglob("*") if path.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    files = build(args.output)
    print(
        f"{args.output}: {len(files):,} files (Snowflake's limit: {MAX_PROJECT_FILES:,}). "
        f"Deploy it: snow dbt deploy support_ticket_llm --source {args.output}"
    )
    return 0 if len(files) < MAX_PROJECT_FILES else 1


if __name__ == "__main__":
    sys.exit(main())
