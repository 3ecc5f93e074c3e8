"""Descriptions: grain first, and every source described."""

from dbt_score import Model, RuleViolation, Source, rule


@rule
def description_starts_with_the_grain(model: Model) -> RuleViolation | None:
    """A model's description starts with its grain: "One row per ..."."""
    if not model.description.strip().startswith("One row per"):
        return RuleViolation(message='Description does not start with "One row per".')


@rule
def source_is_described(source: Source) -> RuleViolation | None:
    """A source and its table are described."""
    if not source.source_description.strip() or not source.description.strip():
        return RuleViolation(message="Source or source table lacks a description.")


@rule
def source_columns_are_described(source: Source) -> RuleViolation | None:
    """Every declared column of a source table is described."""
    undescribed = [column.name for column in source.columns if not column.description.strip()]
    if undescribed:
        return RuleViolation(message=f"Columns lack a description: {', '.join(undescribed)}.")
