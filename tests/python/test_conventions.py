"""The project's conventions, checked by dbt-score (pinned; rules: dbt-score's own and
dbt_score_rules/, configured in pyproject.toml [tool.dbt-score]) on the manifest of the main job:
descriptions (grain first), owners through groups, public marts with enforced contracts, nothing
public outside the marts. Every item must score 10.0. The same rules fail a manifest that breaks
them, so the check can fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dbt_harness import PROJECT_DIR, DbtProject

PUBLIC_MARTS = {
    "ticket_categories",
    "ticket_messages",
    "prompts_in_force",
    "model_evaluation",
    "model_costs",
    "model_confusion_matrix",
}


def dbt_score(manifest: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt-score")),
            "lint",
            "--manifest",
            str(manifest),
            "--show",
            "failing-rules",
        ],
        cwd=PROJECT_DIR,  # where pyproject.toml configures it
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_project_scores_ten(built_project: DbtProject) -> None:
    completed = dbt_score(built_project.target_path / "manifest.json")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Project score: 10.0" in completed.stdout.replace("\x1b[1m", "").replace("\x1b[0m", "")


def test_the_published_marts_are_public_with_enforced_contracts(built_project: DbtProject) -> None:
    manifest = json.loads((built_project.target_path / "manifest.json").read_text())
    models = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "support_ticket_llm"
    }
    public = {name for name, node in models.items() if node["access"] == "public"}
    assert public == PUBLIC_MARTS
    for name in PUBLIC_MARTS:
        assert models[name]["contract"]["enforced"], name
        assert all(column["data_type"] for column in models[name]["columns"].values()), name
    groups = {group["name"]: group for group in manifest["groups"].values()}
    assert {node["group"] for node in models.values()} == set(groups)
    assert all(group["owner"]["email"] for group in groups.values())


def test_a_manifest_that_breaks_the_conventions_fails(
    built_project: DbtProject, tmp_path: Path
) -> None:
    manifest = json.loads((built_project.target_path / "manifest.json").read_text())
    nodes = manifest["nodes"]
    nodes["model.support_ticket_llm.ticket_messages"]["contract"]["enforced"] = False
    nodes["model.support_ticket_llm.ticket_messages"]["config"]["contract"]["enforced"] = False
    nodes["model.support_ticket_llm.int_tickets__split"]["access"] = "public"
    nodes["model.support_ticket_llm.int_tickets__split"]["group"] = None
    nodes["model.support_ticket_llm.model_costs"]["description"] = "Costs."
    broken = tmp_path / "manifest.json"
    broken.write_text(json.dumps(manifest))

    completed = dbt_score(broken)

    assert completed.returncode != 0
    for rule in (
        "public_model_has_an_enforced_contract",
        "only_marts_are_public",
        "model_belongs_to_a_group",
        "description_starts_with_the_grain",
    ):
        assert rule in completed.stdout, rule
