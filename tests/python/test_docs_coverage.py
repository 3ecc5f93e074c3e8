"""Everything of this project that the docs site shows is described: every model and each of its
columns (as the warehouse has them, from catalog.json), every seed, source table and source
column, every macro and generic test with each of its arguments. A failure names what lacks a
description and the yml file where it belongs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import pytest
from dbt_harness import DbtProject

PROJECT = "support_ticket_llm"
# Arguments dbt passes to every generic test itself.
GENERIC_TEST_ARGUMENTS = {"model", "column_name"}
MACRO_SIGNATURE = re.compile(r"{%-?\s*(?:macro|test)\s+\w+\s*\((.*?)\)\s*-?%}", re.S)


@pytest.fixture(scope="module")
def manifest(built_project: DbtProject) -> dict[str, Any]:
    return json.loads((built_project.target_path / "manifest.json").read_text())


@pytest.fixture(scope="module")
def catalog(built_project: DbtProject) -> dict[str, Any]:
    return json.loads((built_project.target_path / "catalog.json").read_text())


def _described(entry: dict[str, Any]) -> bool:
    return bool((entry.get("description") or "").strip())


def _where(node: dict[str, Any]) -> str:
    """The yml file that documents a node, or where one should go."""
    patch = (node.get("patch_path") or "").split("://")[-1]
    return patch or f"(no yml yet for {node.get('original_file_path')})"


def _report(missing: Iterable[str], what: str) -> str:
    lines = sorted(missing)
    return f"{len(lines)} {what} without a description:\n  " + "\n  ".join(lines)


def _project_nodes(manifest: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == resource_type and node["package_name"] == PROJECT
    ]


def _columns_without_description(
    node: dict[str, Any], catalog_entry: dict[str, Any] | None
) -> list[str]:
    documented = {name.lower(): column for name, column in node["columns"].items()}
    in_warehouse = (
        [name.lower() for name in catalog_entry["columns"]] if catalog_entry else list(documented)
    )
    return [
        f"{_where(node)}: {node['name']}.{name}"
        for name in in_warehouse
        if not _described(documented.get(name, {}))
    ]


@pytest.mark.parametrize("resource_type", ["model", "seed"])
def test_every_model_and_seed_and_each_of_their_columns_is_described(
    manifest: dict[str, Any], catalog: dict[str, Any], resource_type: str
) -> None:
    nodes = _project_nodes(manifest, resource_type)
    assert nodes, f"no {resource_type} in the manifest"
    undescribed = [f"{_where(node)}: {node['name']}" for node in nodes if not _described(node)]
    assert not undescribed, _report(undescribed, f"{resource_type}s")

    not_built = [node["name"] for node in nodes if node["unique_id"] not in catalog["nodes"]]
    assert not not_built, f"not in catalog.json (not built by the main job?): {not_built}"
    columns = [
        column
        for node in nodes
        for column in _columns_without_description(node, catalog["nodes"][node["unique_id"]])
    ]
    assert not columns, _report(columns, f"{resource_type} columns")


def test_every_source_table_and_column_is_described(
    manifest: dict[str, Any], catalog: dict[str, Any]
) -> None:
    sources = [
        source for source in manifest["sources"].values() if source["package_name"] == PROJECT
    ]
    assert sources, "no source in the manifest"
    undescribed = [
        f"{source['original_file_path']}: source {source['source_name']}"
        for source in sources
        if not (source.get("source_description") or "").strip()
    ]
    undescribed += [
        f"{source['original_file_path']}: {source['source_name']}.{source['name']}"
        for source in sources
        if not _described(source)
    ]
    for source in sources:
        # A source table may not exist yet (the studio's saved prompts): then its yml columns.
        for column in _columns_without_description(
            source, catalog["sources"].get(source["unique_id"])
        ):
            undescribed.append(column.replace(_where(source), source["original_file_path"]))
    assert not undescribed, _report(undescribed, "sources, source tables or source columns")


def _signature(macro: dict[str, Any]) -> list[str]:
    """The macro's argument names, read from its definition (a materialization takes none)."""
    if macro["name"].startswith("materialization_"):
        return []
    found = MACRO_SIGNATURE.search(macro["macro_sql"])
    assert found, f"cannot read the arguments of {macro['name']}"
    names, depth, current = [], 0, ""
    for character in found.group(1) + ",":
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
        if character == "," and depth == 0:
            if current.strip():
                names.append(current.split("=")[0].strip())
            current = ""
        else:
            current += character
    return names


def _project_macros(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [macro for macro in manifest["macros"].values() if macro["package_name"] == PROJECT]


def test_every_macro_and_generic_test_and_each_argument_is_described(
    manifest: dict[str, Any],
) -> None:
    macros = _project_macros(manifest)
    assert any(macro["name"].startswith("test_") for macro in macros), "no generic test found"
    undescribed = []
    for macro in macros:
        where = (
            _where(macro)
            if macro.get("patch_path")
            else (f"(add to the _<folder>__macros.yml beside {macro['original_file_path']})")
        )
        if not _described(macro):
            undescribed.append(f"{where}: macro {macro['name']}")
        documented = {argument["name"]: argument for argument in macro.get("arguments") or []}
        for name in _signature(macro):
            if macro["name"].startswith("test_") and name in GENERIC_TEST_ARGUMENTS:
                continue
            if not _described(documented.get(name, {})):
                undescribed.append(f"{where}: macro {macro['name']} argument {name}")
    assert not undescribed, _report(undescribed, "macros or macro arguments")


def test_every_documented_macro_argument_exists(manifest: dict[str, Any]) -> None:
    stale = [
        f"{_where(macro)}: macro {macro['name']} documents {argument['name']}, "
        f"which is not among its arguments {_signature(macro)}"
        for macro in _project_macros(manifest)
        for argument in macro.get("arguments") or []
        if argument["name"] not in _signature(macro)
    ]
    assert not stale, "\n".join(stale)


def test_every_documented_model_column_exists(
    manifest: dict[str, Any], catalog: dict[str, Any]
) -> None:
    stale = []
    for node in _project_nodes(manifest, "model") + _project_nodes(manifest, "seed"):
        built = catalog["nodes"].get(node["unique_id"])
        if built is None:
            continue
        in_warehouse = {name.lower() for name in built["columns"]}
        stale += [
            f"{_where(node)}: {node['name']}.{name} is documented but the table has no such column"
            for name in node["columns"]
            if name.lower() not in in_warehouse
        ]
    assert not stale, "\n".join(stale)
