"""Promoting a prompt on the snowflake target (fakesnow, see snowflake_emulation): the tables
exist after any dbt run, promote_prompt records CURRENT_USER() when no promoter is named, the
prompt in force follows the latest promotion, and every statement it sent parses as Snowflake
SQL."""

from __future__ import annotations

import json
from pathlib import Path

from project_vars import PROJECT_VARS
from snowflake_emulation import EmulatedSnowflake, SnowflakeProject
from sqlfluff.core import FluffConfig, Linter

PROPOSED = "Write a friendly note about the 'Saver' plan \\ under 25 words for texts."


def test_a_promotion_on_snowflake(tmp_path: Path) -> None:
    project = SnowflakeProject.create(tmp_path / "project", EmulatedSnowflake())
    project.invoke("build", "--select", "int_prompts__promoted", "prompts_in_force")
    assert project.query("select prompt, prompt_source from prompts_in_force") == [
        (PROJECT_VARS["message_prompt"], "dbt_project.yml var message_prompt")
    ]

    project.query(
        "insert into prompt_proposals (proposal_id, prompt_name, prompt, proposed_by, proposed_at) "
        f"select 'p1', 'message', $${PROPOSED}$$, 'ana', sysdate()"
    )
    promoted = project.invoke(
        "run-operation", "promote_prompt", "--args", json.dumps({"proposal_id": "p1"})
    )
    project.invoke("build", "--select", "int_prompts__promoted", "prompts_in_force")

    [(prompt, source, proposed_by, promoted_by)] = project.query(
        "select prompt, prompt_source, proposed_by, promoted_by from prompts_in_force"
    )
    assert (prompt, source, proposed_by) == (PROPOSED, "promotion", "ana")
    assert promoted_by  # CURRENT_USER() of the session that promoted
    sent = [statement.body for statement in promoted.statements]
    assert any("insert into" in body.lower() and "prompt_promotions" in body for body in sent)
    config = FluffConfig(overrides={"dialect": "snowflake"})
    for body in sent:
        parsed = Linter(config=config).parse_string(body)
        assert parsed.tree is not None and "unparsable" not in parsed.tree.descendant_type_set, body
