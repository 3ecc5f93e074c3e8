"""How the main job reaches the local server: the openai backend's settings (environment
variables, see cortex_emulator/settings.py) and the dbt vars a real-model run adds.

The model map sends the Cortex model each role's var names (teacher_model, finetune_base_model
for the zero-shot small model, message_model for the writer) to the line-up's local model; the
names come from dbt_project.yml's vars and the run's own ``--vars``. Every answered row then
records ``openai-compatible:llama-cpp-python/<local model>`` as its backend.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .model_packages import LineUp

PROJECT_DIR = Path(__file__).resolve().parents[1]
SERVER_LABEL = "llama-cpp-python"
ROLE_VARS = {
    "teacher_model": "teacher",
    "finetune_base_model": "small_model",
    "message_model": "writer",
}
# Real models miss limits the emulator keeps by construction. These thresholds turn the tests
# that count such rows from errors into warnings that say how many (a user's --vars win).
REAL_MODEL_VARS: dict[str, Any] = {
    "max_messages_over_word_limit": 1_000_000,
    "max_unknown_category_share": 0.25,
}
REQUEST_TIMEOUT_SECONDS = 600
MAX_TOKENS = 256
# llama-cpp-python's server answers one request at a time: one more in flight keeps it busy.
CONCURRENCY = 2


def project_vars() -> dict[str, Any]:
    document = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    return dict(document.get("vars") or {})


def run_vars(user_vars: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The vars a real-model run passes to dbt: REAL_MODEL_VARS, then the user's."""
    return {**REAL_MODEL_VARS, **(user_vars or {})}


def model_map(line_up: LineUp, user_vars: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Cortex model name -> local model alias, for the models the vars name."""
    names = {**project_vars(), **(user_vars or {})}
    mapping: dict[str, str] = {}
    for var_name, role in ROLE_VARS.items():
        cortex_model = str(names[var_name]).strip().lower()
        local_model = getattr(line_up, role).alias
        if mapping.get(cortex_model, local_model) != local_model:
            raise ValueError(
                f"{var_name} names {cortex_model}, which another role sends to "
                f"{mapping[cortex_model]}; the {line_up.name} line-up needs {local_model} for "
                f"it: give the roles different Cortex models (vars) or choose another line-up."
            )
        mapping[cortex_model] = local_model
    return mapping


def backend_environment(
    base_url: str, line_up: LineUp, user_vars: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """The CORTEX_* variables that send the mapped models to the server at ``base_url``."""
    return {
        "CORTEX_BACKEND": "openai",
        "CORTEX_OPENAI_BASE_URL": base_url,
        "CORTEX_OPENAI_MODEL_MAP": json.dumps(model_map(line_up, user_vars), sort_keys=True),
        "CORTEX_OPENAI_SERVER_LABEL": SERVER_LABEL,
        "CORTEX_OPENAI_RESPONSE_FORMAT": "json_object",
        "CORTEX_OPENAI_MAX_TOKENS": str(MAX_TOKENS),
        "CORTEX_OPENAI_CONCURRENCY": str(CONCURRENCY),
        "CORTEX_OPENAI_TIMEOUT_SECONDS": str(REQUEST_TIMEOUT_SECONDS),
        "CORTEX_OPENAI_MAX_RETRIES": "1",
    }
