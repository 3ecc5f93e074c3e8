"""The Cortex models the emulator answers for: the project's model catalog,
``seeds/cortex_models.csv`` (one row per model; see its description in ``seeds/_seeds.yml``).

The emulator keeps no list of models of its own. Which file it reads, first found wins:

1. the plugin config key ``model_catalog`` (or the environment variable
   ``CORTEX_MODEL_CATALOG``): a path to the CSV file (relative: to the dbt project dir, else
   to the working directory);
2. ``seeds/cortex_models.csv`` of the dbt project dir dbt runs in (``--project-dir``);
3. ``seeds/cortex_models.csv`` of the working directory or its nearest parent holding a
   ``dbt_project.yml``.

What the emulator reads from a row: ``size_class`` (``large`` and ``medium`` models follow
instructions to the letter, ``small`` ones answer in an inconsistent format, see
``models.foundation``), ``lifecycle`` and ``end_of_life_on`` (a model that is ``retired``, or
whose end-of-life day has come, fails the query as Cortex does), ``is_finetune_base`` (FINETUNE
accepts it as a base model) and ``supports_structured_output``, and ``priced_as``: ``ai_complete``
rows are the models COMPLETE answers, ``ai_embed`` rows the models AI_EMBED answers (their
``size_class`` may be empty); the rows that price a fine-tune (``finetune_training``,
``finetuned_inference``) are prices, not models, and are skipped. The file is read again when it
changes.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import CortexError

CATALOG_ENVIRONMENT_VARIABLE = "CORTEX_MODEL_CATALOG"
CATALOG_RELATIVE_PATH = Path("seeds") / "cortex_models.csv"
REQUIRED_COLUMNS = (
    "model_name",
    "size_class",
    "lifecycle",
    "end_of_life_on",
    "is_finetune_base",
    "supports_structured_output",
)

SizeClass = Literal["large", "medium", "small", ""]
PricedAs = Literal["ai_complete", "ai_embed"]
_MODEL_ROWS = ("ai_complete", "ai_embed")
_PRICE_ONLY_ROWS = ("finetune_training", "finetuned_inference")
_SIZE_CLASSES = ("large", "medium", "small")
_LIFECYCLES = ("ga", "preview", "legacy", "retired")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0", ""}


def normalize_model_name(name: str) -> str:
    """Model names compare case-insensitively and ignore surrounding blanks."""
    return name.strip().lower()


@dataclass(frozen=True)
class FoundationModel:
    """One catalog row, as the emulator uses it."""

    name: str
    size: SizeClass
    lifecycle: str
    end_of_life_on: dt.date | None
    is_finetune_base: bool
    supports_structured_output: bool
    priced_as: PricedAs = "ai_complete"

    @property
    def is_small(self) -> bool:
        return self.size == "small"

    @property
    def is_embedding_model(self) -> bool:
        return self.priced_as == "ai_embed"

    def is_retired(self, today: dt.date | None = None) -> bool:
        """Retired in the catalog, or its end-of-life day has come."""
        day = today or dt.date.today()
        return self.lifecycle == "retired" or (
            self.end_of_life_on is not None and self.end_of_life_on <= day
        )


@dataclass(frozen=True)
class ModelCatalog:
    """The models of one catalog file, by normalised name."""

    path: Path
    models: Mapping[str, FoundationModel]

    def find(self, name: str) -> FoundationModel | None:
        """The model called ``name`` (any case), or None."""
        return self.models.get(normalize_model_name(name))

    def names(self) -> list[str]:
        return sorted(self.models)

    def usable_names(self, today: dt.date | None = None, *, embedding: bool = False) -> list[str]:
        """The models that can be called today: COMPLETE's (AI_EMBED's with ``embedding``)."""
        return sorted(
            n
            for n, m in self.models.items()
            if not m.is_retired(today) and m.is_embedding_model == embedding
        )

    def finetune_bases(self) -> list[str]:
        return sorted(n for n, m in self.models.items() if m.is_finetune_base)

    def check_callable(self, name: str) -> FoundationModel | None:
        """The COMPLETE model called ``name``; raises for a retired model or an embedding model;
        None when it is not listed."""
        model = self.find(name)
        if model is not None and model.is_embedding_model:
            raise CortexError(
                f"Model '{name.strip()}' is an embedding model: call it with AI_EMBED, not "
                f"COMPLETE (catalog {self.path}). COMPLETE models: {', '.join(self.usable_names())}."
            )
        return self._check_not_retired(name, model)

    def check_embeddable(self, name: str) -> FoundationModel:
        """The AI_EMBED model called ``name``; raises when it is retired, not an embedding model
        or not listed."""
        model = self.find(name)
        if model is None or not model.is_embedding_model:
            raise CortexError(
                f"AI_EMBED does not know the model '{name.strip()}': the embedding models of the "
                f"catalog {self.path} are {', '.join(self.usable_names(embedding=True))}."
            )
        checked = self._check_not_retired(name, model)
        assert checked is not None
        return checked

    def _check_not_retired(
        self, name: str, model: FoundationModel | None
    ) -> FoundationModel | None:
        if model is not None and model.is_retired():
            when = f" on {model.end_of_life_on.isoformat()}" if model.end_of_life_on else ""
            raise CortexError(
                f"Model '{name.strip()}' has been retired{when} and can no longer be called "
                f"(catalog {self.path}). Use a model that is available: "
                f"{', '.join(self.usable_names())}."
            )
        return model


def read_catalog(path: Path) -> ModelCatalog:
    """Parse a catalog file; a clear ``CortexError`` for a missing file, column or bad value."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise CortexError(
                    f"The model catalog {path} lacks the column(s) {', '.join(missing)}: it "
                    f"needs {', '.join(REQUIRED_COLUMNS)}."
                )
            rows = list(reader)
    except FileNotFoundError:
        raise CortexError(
            f"The model catalog {path} does not exist: point the plugin setting model_catalog "
            f"(or {CATALOG_ENVIRONMENT_VARIABLE}) at the project's seeds/cortex_models.csv."
        ) from None
    models: dict[str, FoundationModel] = {}
    for line, row in enumerate(rows, start=2):
        name = normalize_model_name(row["model_name"] or "")
        if not name:
            raise CortexError(f"The model catalog {path}, line {line}: model_name is empty.")
        priced_as = (row.get("priced_as") or "ai_complete").strip().lower()
        if priced_as in _PRICE_ONLY_ROWS:
            continue
        if priced_as not in _MODEL_ROWS:
            raise CortexError(
                f"The model catalog {path}, line {line} ({name}): priced_as must be one of "
                f"{', '.join(_MODEL_ROWS + _PRICE_ONLY_ROWS)}; got {row.get('priced_as')!r}."
            )
        size = (row["size_class"] or "").strip().lower()
        lifecycle = (row["lifecycle"] or "").strip().lower()
        sizes = _SIZE_CLASSES if priced_as == "ai_complete" else (*_SIZE_CLASSES, "")
        if size not in sizes or lifecycle not in _LIFECYCLES:
            raise CortexError(
                f"The model catalog {path}, line {line} ({name}): size_class must be one of "
                f"{', '.join(_SIZE_CLASSES)} and lifecycle one of {', '.join(_LIFECYCLES)}; got "
                f"{row['size_class']!r} and {row['lifecycle']!r}."
            )
        models[name] = FoundationModel(
            name=name,
            size=size,  # type: ignore[arg-type]
            lifecycle=lifecycle,
            end_of_life_on=_date(path, line, row["end_of_life_on"]),
            is_finetune_base=_flag(path, line, "is_finetune_base", row["is_finetune_base"]),
            supports_structured_output=_flag(
                path, line, "supports_structured_output", row["supports_structured_output"]
            ),
            priced_as=priced_as,  # type: ignore[arg-type]
        )
    return ModelCatalog(path, models)


def _date(path: Path, line: int, value: str | None) -> dt.date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CortexError(
            f"The model catalog {path}, line {line}: end_of_life_on must be a date "
            f"(YYYY-MM-DD); got {value!r}."
        ) from None


def _flag(path: Path, line: int, column: str, value: str | None) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CortexError(
        f"The model catalog {path}, line {line}: {column} must be true or false; got {value!r}."
    )


def _dbt_project_dir() -> Path | None:
    """The --project-dir of the dbt command running in this process, if any."""
    try:
        from dbt.flags import get_flags
    except ImportError:
        return None
    project_dir = getattr(get_flags(), "PROJECT_DIR", None)
    return Path(project_dir) if project_dir else None


def _enclosing_project(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / "dbt_project.yml").is_file():
            return folder
    return None


def locate_catalog(configured: str | os.PathLike[str] | None = None) -> Path:
    """The catalog file to read (see the module docstring for the order)."""
    if configured:
        path = Path(configured).expanduser()
        if not path.is_absolute():
            path = (_dbt_project_dir() or Path.cwd()) / path
        return path.resolve()
    for project in (_dbt_project_dir(), _enclosing_project(Path.cwd())):
        if project is not None and (project / CATALOG_RELATIVE_PATH).is_file():
            return (project / CATALOG_RELATIVE_PATH).resolve()
    raise CortexError(
        f"Cannot find the model catalog: no {CATALOG_RELATIVE_PATH} in the dbt project dir or "
        f"the working directory. Set the plugin setting model_catalog (or "
        f"{CATALOG_ENVIRONMENT_VARIABLE}) to the path of the project's cortex_models.csv."
    )


class CatalogSource:
    """A catalog file, read on first use and again whenever it changes."""

    def __init__(self, configured: str | os.PathLike[str] | None = None) -> None:
        self._configured = configured
        self._lock = threading.Lock()
        self._loaded: tuple[Path, float, ModelCatalog] | None = None

    def configure(self, configured: str | os.PathLike[str] | None) -> None:
        """Read ``configured`` (None: find the project's catalog) from now on."""
        with self._lock:
            self._configured = configured

    def get(self) -> ModelCatalog:
        path = locate_catalog(self._configured)
        try:
            stamp = path.stat().st_mtime
        except FileNotFoundError:
            stamp = -1.0
        with self._lock:
            if self._loaded is not None and self._loaded[:2] == (path, stamp):
                return self._loaded[2]
            catalog = read_catalog(path)
            self._loaded = (path, stamp, catalog)
            return catalog
