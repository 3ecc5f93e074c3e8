"""FINETUNE: the CREATE / DESCRIBE / SHOW / CANCEL verbs, and the fine-tuned models they make.

CREATE checks its arguments (errors are raised at once, as Cortex does), runs the training
and validation queries, trains synchronously (it takes well under a second for hundreds of
rows) and records the job -- SUCCESS with its model, or ERROR with the reason (for example a
training query without rows) -- then returns the job id. Fine-tuned model names are stored
case-insensitively; COMPLETE finds a model by its full name or, when unique, by its last
dotted part(s). Loaded models are cached per database runtime, keyed by name and job id, so
a re-created model is reloaded.

The training and validation queries run on a cursor of their own: they see committed tables
and views, not temporary tables or uncommitted changes of the calling transaction. Rows whose
prompt or completion is NULL are skipped; other values are used as text.
"""

from __future__ import annotations

import json
import math
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import duckdb

from ...catalog import CatalogSource, normalize_model_name
from ...completion_options import json_object
from ...duckdb_functions.storage import JobRecord, ModelEntry, NewJob, Storage, now_micros
from ...errors import CortexError
from ..tokens import count_tokens
from .training import TrainedModel, train

DEFAULT_MAX_EPOCHS = 3
MIN_MAX_EPOCHS = 1
MAX_MAX_EPOCHS = 10
FINAL_STATUSES = ("SUCCESS", "ERROR", "CANCELLED")


@dataclass(frozen=True)
class Pairs:
    """The (prompt, completion) rows a query returned."""

    prompts: list[str]
    completions: list[str]
    skipped: int

    def __len__(self) -> int:
        return len(self.prompts)


def parse_options(options_json: str | None) -> dict[str, Any]:
    """The job options: ``{"max_epochs": N}`` with 1 <= N <= 10 (default 3)."""
    if options_json is None or not options_json.strip():
        return {"max_epochs": DEFAULT_MAX_EPOCHS}
    options = json_object(options_json, "Fine-tuning options", "'{\"max_epochs\": 3}'")
    unknown = sorted(set(options) - {"max_epochs"})
    if unknown:
        raise CortexError(
            f"Unknown fine-tuning option(s) {', '.join(unknown)}: the only option is max_epochs."
        )
    epochs = options.get("max_epochs", DEFAULT_MAX_EPOCHS)
    if epochs is None:
        epochs = DEFAULT_MAX_EPOCHS
    if isinstance(epochs, float) and epochs.is_integer():
        epochs = int(epochs)
    if (
        isinstance(epochs, bool)
        or not isinstance(epochs, int)
        or not MIN_MAX_EPOCHS <= epochs <= MAX_MAX_EPOCHS
    ):
        raise CortexError(
            f"max_epochs must be an integer from {MIN_MAX_EPOCHS} to {MAX_MAX_EPOCHS}; "
            f"got {epochs!r}."
        )
    return {"max_epochs": epochs}


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def job_to_dict(job: JobRecord) -> dict[str, Any]:
    """A job as Cortex's FINETUNE('DESCRIBE') reports it."""
    succeeded = job.status == "SUCCESS"
    return {
        "id": job.id,
        "status": job.status,
        "progress": 1.0 if succeeded else 0.0,
        "error": job.error,
        "base_model": job.base_model,
        "model": job.name,
        "created_on": job.created_on_ms,
        "finished_on": job.finished_on_ms,
        "training_data": job.training_query,
        "validation_data": job.validation_query,
        "trained_tokens": job.trained_tokens,
        "training_result": (
            {
                "training_loss": _finite(job.training_loss),
                "validation_loss": _finite(job.validation_loss),
            }
            if succeeded
            else None
        ),
        "options": job.options,
    }


class FineTuning:
    """The FINETUNE verbs and the fine-tuned models of one connection."""

    def __init__(self, storage: Storage, catalog: CatalogSource) -> None:
        self._storage = storage
        self._catalog = catalog
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], TrainedModel] = {}

    # -- CREATE ---------------------------------------------------------------------------

    def create(
        self,
        name: str | None,
        base_model: str | None,
        training_query: str | None,
        validation_query: str | None,
        options_json: str | None,
    ) -> str:
        """Run FINETUNE('CREATE', ...) synchronously; returns the job id."""
        model_name = self._check_name(name)
        base = self._check_base_model(base_model)
        options = parse_options(options_json)
        if training_query is None or not training_query.strip():
            raise CortexError(
                "The training query is empty: pass a query that returns the columns prompt "
                "and completion, e.g. 'select request as prompt, label as completion from t'."
            )
        validation = validation_query if validation_query and validation_query.strip() else None
        created_on = now_micros()
        training = self._read_pairs(training_query, "training")
        validating = self._read_pairs(validation, "validation") if validation else None

        job_id = "ft_" + uuid.uuid4().hex
        epochs = int(options["max_epochs"])
        common = {
            "id": job_id,
            "name": model_name,
            "base_model": base,
            "created_on_us": created_on,
            "training_query": training_query,
            "validation_query": validation,
            "options": options,
            "training_rows": len(training),
            "validation_rows": len(validating) if validating is not None else 0,
        }
        if len(training) == 0:
            message = (
                "The training query returned no rows with a non-null prompt and completion"
                + (f" ({training.skipped} rows had nulls)" if training.skipped else "")
                + ": fine-tuning needs at least one example. Check the training query."
            )
            self._record_failure(common, "INVALID_TRAINING_DATA", message)
            return job_id
        try:
            result = train(
                training.prompts,
                training.completions,
                epochs,
                (validating.prompts, validating.completions) if validating else None,
            )
        except Exception as error:  # the job records the failure, as Cortex does
            self._record_failure(common, "TRAINING_FAILED", f"Training failed: {error}")
            return job_id
        tokens = sum(
            count_tokens(p) + count_tokens(c)
            for p, c in zip(training.prompts, training.completions, strict=True)
        )
        job = NewJob(
            status="SUCCESS",
            error=None,
            finished_on_us=now_micros(),
            trained_tokens=tokens * epochs,
            training_loss=_finite(result.training_loss),
            validation_loss=_finite(result.validation_loss),
            **common,
        )
        try:
            self._storage.record_job(job, result.model)
        except duckdb.Error as error:
            raise CortexError(
                f"Could not store fine-tuned model '{model_name}': {error}. If another job is "
                "writing the same model name at the same time, wait for it and try again."
            ) from None
        self._remember(ModelEntry(model_name.lower(), model_name, job_id, base), result.model)
        return job_id

    def _record_failure(self, common: dict[str, Any], code: str, message: str) -> None:
        job = NewJob(
            status="ERROR",
            error={"code": code, "message": message},
            finished_on_us=now_micros(),
            trained_tokens=None,
            training_loss=None,
            validation_loss=None,
            **common,
        )
        self._storage.record_job(job)

    def _check_name(self, name: str | None) -> str:
        if name is None or not name.strip() or any(ch.isspace() for ch in name.strip()):
            raise CortexError(
                f"Invalid fine-tuned model name {name!r}: use a name without blanks, such as "
                "'my_db.my_schema.support_tickets_finetuned'."
            )
        if self._catalog.get().find(name) is not None:
            raise CortexError(
                f"'{name.strip()}' is the name of a Cortex foundation model: choose another name "
                "for the fine-tuned model, e.g. 'my_db.my_schema.my_finetuned_model'."
            )
        return name.strip()

    def _check_base_model(self, base_model: str | None) -> str:
        """A catalog model with is_finetune_base true that is not retired."""
        catalog = self._catalog.get()
        base = normalize_model_name(base_model or "")
        found = catalog.check_callable(base) if base else None
        if found is None or not found.is_finetune_base:
            raise CortexError(
                f"Base model {base_model!r} cannot be fine-tuned. Cortex fine-tunes these base "
                f"models (is_finetune_base in {catalog.path.name}): "
                f"{', '.join(catalog.finetune_bases())}."
            )
        return base

    def _read_pairs(self, query: str, role: str) -> Pairs:
        text = query.strip().rstrip(";").strip()
        with self._storage.cursor() as cur:
            try:
                relation = cur.sql(text)
                names = list(relation.columns) if relation is not None else []
                lowered = [n.lower() for n in names]
                missing = [c for c in ("prompt", "completion") if c not in lowered]
                table = relation.to_arrow_table() if relation is not None and not missing else None
            except duckdb.Error as error:
                raise CortexError(
                    f"The {role} query failed: {error}. Run it on its own to fix it: {text}"
                ) from None
        if table is None:
            raise CortexError(
                f"The {role} query must return columns named prompt and completion "
                f"(any case); it returns {names}, without {' and '.join(missing)}. "
                "Alias them, e.g. 'select request as prompt, label as completion from t'."
            )
        prompts = table.column(lowered.index("prompt")).to_pylist()
        completions = table.column(lowered.index("completion")).to_pylist()
        pairs = [
            (str(p), str(c))
            for p, c in zip(prompts, completions, strict=True)
            if p is not None and c is not None
        ]
        return Pairs(
            prompts=[p for p, _ in pairs],
            completions=[c for _, c in pairs],
            skipped=len(prompts) - len(pairs),
        )

    # -- DESCRIBE / SHOW / CANCEL ---------------------------------------------------------

    def _job(self, job_id: str | None) -> JobRecord:
        record = self._storage.get_job(job_id or "")
        if record is None:
            raise CortexError(
                f"Unknown fine-tuning job id {job_id!r}: use the id FINETUNE('CREATE') "
                "returned, or list the jobs with cortex_finetune_show()."
            )
        return record

    def describe(self, job_id: str | None) -> str:
        """FINETUNE('DESCRIBE', job_id) as JSON text."""
        return json.dumps(job_to_dict(self._job(job_id)))

    def show(self) -> str:
        """FINETUNE('SHOW'): every job, newest first, as a JSON array."""
        return json.dumps([job_to_dict(job) for job in self._storage.list_jobs()])

    def cancel(self, job_id: str | None) -> str:
        """FINETUNE('CANCEL', job_id): cancels a job that has not finished yet."""
        job = self._job(job_id)
        if job.status in FINAL_STATUSES:
            return (
                f"Job {job.id} already finished with status {job.status}; nothing to cancel "
                "(local fine-tuning jobs finish when they are created)."
            )
        self._storage.set_job_status(
            job.id, "CANCELLED", {"code": "CANCELLED", "message": "Cancelled by the user."}
        )
        return f"Canceled Cortex Fine-tuning job: {job.id}"

    # -- fine-tuned models ----------------------------------------------------------------

    def models(self) -> list[ModelEntry]:
        return self._storage.list_models()

    def find(self, name: str) -> ModelEntry | None:
        """The fine-tuned model called ``name`` (any case), or whose name ends with
        ``.name`` when exactly one does; None when there is none."""
        key = normalize_model_name(name)
        entries = self._storage.list_models()
        exact = [e for e in entries if e.model == key]
        if exact:
            return exact[0]
        matches = [e for e in entries if e.model.endswith("." + key)]
        if len(matches) > 1:
            raise CortexError(
                f"Model name '{name}' is ambiguous: it matches the fine-tuned models "
                f"{', '.join(e.display_name for e in matches)}. Use the fully qualified name."
            )
        return matches[0] if matches else None

    def load(self, entry: ModelEntry) -> TrainedModel:
        """The model stored for ``entry``, from the cache or from its tables."""
        key = (entry.model, entry.job_id)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                return cached
            model = self._storage.load_model(entry)
            self._remember_locked(entry, model)
            return model

    def _remember(self, entry: ModelEntry, model: TrainedModel) -> None:
        with self._lock:
            self._remember_locked(entry, model)

    def _remember_locked(self, entry: ModelEntry, model: TrainedModel) -> None:
        for stale in [k for k in self._cache if k[0] == entry.model]:
            del self._cache[stale]
        self._cache[(entry.model, entry.job_id)] = model
