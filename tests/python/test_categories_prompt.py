"""One place for categories: the categorisation instructions are the template var with the rows
of seeds/valid_categories.csv rendered into it by SQL, through dbt itself."""

from __future__ import annotations

import pytest
from dbt_harness import DbtProject
from project_vars import CATEGORIES

# The quickstart notebook's prompt, verbatim (newlines as in the notebook).
QUICKSTART_PROMPT = (
    "You are an agent that helps organize requests that come to our support team.\n"
    "\n"
    "The request category is the reason why the customer reached out. These are the possible "
    "types of request categories:\n"
    "\n"
    "Roaming fees\n"
    "Slow data speed\n"
    "Lost phone\n"
    "Add new line\n"
    "Closing account\n"
    "\n"
    "Try doing it for this request and return only the request category only."
)
INSTRUCTIONS = "select {{ categorization_instructions() }} as instructions"


def compiled(project: DbtProject, inline: str, vars: dict | None = None) -> str:
    invocation = project.invoke("compile", "--inline", inline, vars=vars)
    return invocation.result.result.results[0].node.compiled_code


@pytest.fixture
def seeded(fresh_project: DbtProject) -> DbtProject:
    fresh_project.invoke("seed", "--select", "valid_categories")
    return fresh_project


def test_the_five_telecom_categories_render_the_quickstart_prompt_exactly(
    seeded: DbtProject,
) -> None:
    names_only = {"categorization_prompt_lists_descriptions": False}
    assert seeded.scalar(compiled(seeded, INSTRUCTIONS, vars=names_only)) == QUICKSTART_PROMPT


def test_the_categories_come_from_the_table_when_the_query_runs(seeded: DbtProject) -> None:
    sql = compiled(seeded, INSTRUCTIONS, vars={"categorization_prompt_lists_descriptions": False})
    assert not any(category in sql for category in CATEGORIES)  # compiling read no table
    seeded.query(
        "insert into main.valid_categories values ('Billing dispute', 'A charge the customer "
        "contests.', 0)"
    )
    rendered = seeded.scalar(sql)
    listed = rendered.split("categories:\n\n")[1].split("\n\nTry")[0].split("\n")
    assert listed == ["Billing dispute", *CATEGORIES]


def test_descriptions_are_listed_by_var(seeded: DbtProject) -> None:
    rendered = seeded.scalar(compiled(seeded, INSTRUCTIONS))  # the default: with descriptions
    descriptions = dict(seeded.query("select category, description from main.valid_categories"))
    for category in CATEGORIES:
        assert f"\n{category}: {descriptions[category]}\n" in rendered


def test_a_template_without_the_placeholder_is_refused(seeded: DbtProject) -> None:
    failed = seeded.invoke(
        "compile",
        "--inline",
        INSTRUCTIONS,
        vars={"categorization_prompt": "Classify: Roaming fees, Lost phone."},
        expect_success=False,
    )
    assert "{categories}" in failed.error_text
