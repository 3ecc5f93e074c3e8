"""The project's Snowflake target, run offline and in process: fakesnow plus what it lacks.

- ``account``: ``EmulatedSnowflake``, one in-memory account that dbt-snowflake connects to while a
  command runs; it records every statement (with the session's QUERY_TAG) and, optionally, has
  the project's Cortex emulator answer the Cortex functions.
- ``features``: the Snowflake functions and behaviour fakesnow 0.12 lacks, provided by rewriting
  the parsed statement (Cortex: AI_COMPLETE, AI_EMBED, AI_COUNT_TOKENS, FINETUNE and the legacy
  names; VECTOR_AVG, VECTOR_COSINE_SIMILARITY and VECTOR types; MD5_NUMBER_UPPER64, SYSTEM$WAIT,
  a stage's file format in COPY).
- ``cortex_calls``: finds the Cortex calls in Snowflake SQL (for the argument-shape checks and
  the call counts).
- ``cortex_account``: SHOW CORTEX BASE MODELS, and the usage the account bills
  (CORTEX_AISQL_USAGE_HISTORY) for the Cortex rows the run really sent.
- ``project``: ``SnowflakeProject``, dbt commands on the snowflake target of profiles.example.yml.

The production SQL is never changed to suit the harness: it runs as dbt renders it.
"""

from .account import EmulatedSnowflake, Session, Statement
from .cortex_account import BaseModel, catalog_base_models
from .cortex_calls import CortexCall, cortex_calls_in_sql, strip_query_comment
from .project import DUMMY_ENVIRONMENT, PROJECT_DIR, DbtCommandFailed, Invocation, SnowflakeProject

__all__ = [
    "BaseModel",
    "DUMMY_ENVIRONMENT",
    "PROJECT_DIR",
    "CortexCall",
    "DbtCommandFailed",
    "EmulatedSnowflake",
    "Invocation",
    "Session",
    "SnowflakeProject",
    "Statement",
    "catalog_base_models",
    "cortex_calls_in_sql",
    "strip_query_comment",
]
