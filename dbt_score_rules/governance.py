"""Owners, access and contracts: who answers for a model, and what others may rely on."""

from dbt_score import Model, RuleViolation, Seed, rule

#: Access levels a model that is not a published mart may have.
INTERNAL_ACCESS = {"private", "protected"}


@rule
def model_belongs_to_a_group(model: Model) -> RuleViolation | None:
    """A model belongs to a group, whose owner answers for it (models/_groups.yml)."""
    if not model.group:
        return RuleViolation(message="Model belongs to no group (models/_groups.yml).")


@rule
def seed_belongs_to_a_group(seed: Seed) -> RuleViolation | None:
    """A seed belongs to a group, whose owner answers for it (models/_groups.yml)."""
    if not seed.config.get("group"):
        return RuleViolation(message="Seed belongs to no group (models/_groups.yml).")


@rule
def public_model_has_an_enforced_contract(model: Model) -> RuleViolation | None:
    """A public model (one other tools read) has an enforced contract."""
    enforced = (model.config.get("contract") or {}).get("enforced")
    if model.access == "public" and not enforced:
        return RuleViolation(message="Public model without an enforced contract.")


@rule
def only_marts_are_public(model: Model) -> RuleViolation | None:
    """Staging and intermediate models are private or protected; only marts are public."""
    is_mart = model.original_file_path.startswith("models/marts/")
    if not is_mart and model.access not in INTERNAL_ACCESS:
        return RuleViolation(message=f"{model.access} access outside models/marts.")
