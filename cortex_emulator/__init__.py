"""A deterministic, offline emulation of Snowflake Cortex for the project's DuckDB target.

``register(conn)`` adds the SQL functions the dbt macros call (``cortex_complete``,
``cortex_try_complete``, ``cortex_count_tokens``, ``cortex_backend_name`` and
``cortex_finetune_create / _describe / _show / _cancel``); ``cortex_emulator.plugin.Plugin``
does it for dbt-duckdb. It is not a language model: foundation models categorise with a
lexical scorer and write template messages; fine-tuned models are real (small) TF-IDF
models trained with numpy and stored as rows in the ``cortex_emulator`` schema.

``register(conn, CortexSettings(...))`` (or the plugin's config, or ``CORTEX_BACKEND=openai``
and friends in the environment) sends chosen foundation models to an OpenAI-compatible
endpoint instead -- a real local LLM (see ``settings`` and ``openai_backend``).
"""

from .errors import CortexError
from .functions import FUNCTION_NAMES, register
from .settings import CortexSettings, OpenAISettings
from .storage import SCHEMA, call_counts

__all__ = [
    "FUNCTION_NAMES",
    "SCHEMA",
    "CortexError",
    "CortexSettings",
    "OpenAISettings",
    "call_counts",
    "register",
]
