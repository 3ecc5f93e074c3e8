"""A deterministic, offline emulation of Snowflake Cortex for the project's DuckDB target.

``register(conn)`` adds the SQL functions the dbt macros call (``cortex_ai_complete``,
``cortex_ai_count_tokens``, the legacy ``cortex_complete``, ``cortex_try_complete``,
``cortex_count_tokens``, and ``cortex_backend_name``, ``cortex_finetune_create / _describe /
_show / _cancel``); ``cortex_emulator.plugin.Plugin`` does it for dbt-duckdb. It is not a
language model: foundation models (listed by the project's model catalog,
``seeds/cortex_models.csv``) categorise with a general sentence encoder (all-MiniLM-L6-v2)
and write messages from the prompt;
fine-tuned models are real (small) TF-IDF models stored as rows in the ``cortex_emulator``
schema.

The package, by job:

* ``duckdb_functions/``: what is registered on DuckDB (the runtime, its connections, storage);
* ``models/``: the emulated models -- ``foundation`` (with ``categoriser``, ``prompts``,
  ``structured_output``), ``writer`` (messages) and ``finetuned/`` (FINETUNE jobs, training);
* ``remote/``: the OpenAI-compatible backend and its response cache;
* ``testing/``: a fake OpenAI-compatible server for tests and benchmarks;
* ``catalog``, ``settings``, ``backends``, ``completion_options``, ``plugin``: configuration,
  routing and the dbt-duckdb entry point.

``register(conn, CortexSettings(...))`` (or the plugin's config, or ``CORTEX_BACKEND=openai``
and friends in the environment) sends chosen foundation models to an OpenAI-compatible
endpoint instead -- a real local LLM (see ``settings`` and ``openai_backend``).
"""

from .duckdb_functions.runtime import FUNCTION_NAMES, register
from .duckdb_functions.storage import SCHEMA, call_counts
from .errors import CortexError
from .settings import CortexSettings, OpenAISettings

__all__ = [
    "FUNCTION_NAMES",
    "SCHEMA",
    "CortexError",
    "CortexSettings",
    "OpenAISettings",
    "call_counts",
    "register",
]
