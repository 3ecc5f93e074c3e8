{%- set promotions = source('finetuning', 'model_promotions') -%}
{%- set finetuned_model = promoted_finetuned_model(promotions) or finetuned_model_name() -%}

with

predictions as (

    select * from {{ ref('int_evaluation_predictions__unioned') }}

),

-- Every role has a row, even before (or without) an evaluation set.
model_roles as (

    select
        'teacher' as model_role,
        1 as model_role_order,
        {{ quote_string_literal(var('teacher_model')) }} as model

    union all

    select
        'base_zero_shot' as model_role,
        2 as model_role_order,
        {{ quote_string_literal(var('finetune_base_model')) }} as model

    union all

    select
        'base_zero_shot_structured' as model_role,
        3 as model_role_order,
        {{ quote_string_literal(var('finetune_base_model')) }} as model

    union all

    select
        'finetuned' as model_role,
        4 as model_role_order,
        {{ quote_string_literal(finetuned_model) }} as model

),

measured as (

    select
        model_role,
        max(backend) as backend,
        count(*) as eval_tickets,
        count(raw_response) as answered_tickets,
        sum(case when is_correct then 1 else 0 end) as correct_tickets,
        sum(case when is_format_valid then 1 else 0 end) as format_valid_tickets,
        sum(case when is_unknown then 1 else 0 end) as unknown_tickets

    from predictions
    group by model_role

),

-- Cohen's kappa: agreement beyond chance, chance = sum over categories of the product of the
-- teacher's and the model's shares of that category.
category_shares as (

    select
        model_role,
        category,
        sum(teacher_tickets) as teacher_tickets,
        sum(predicted_tickets) as predicted_tickets

    from (
        select
            model_role,
            teacher_category as category,
            1 as teacher_tickets,
            0 as predicted_tickets
        from predictions

        union all

        select
            model_role,
            predicted_category as category,
            0 as teacher_tickets,
            1 as predicted_tickets
        from predictions
    ) as category_counts
    group by model_role, category

),

chance_agreement as (

    select
        category_shares.model_role,
        sum(
            1.0 * category_shares.teacher_tickets * category_shares.predicted_tickets
            / (measured.eval_tickets * measured.eval_tickets)
        ) as chance_agreement

    from category_shares
    inner join measured
        on category_shares.model_role = measured.model_role
    group by category_shares.model_role

),

final as (

    select
        model_roles.model_role,
        model_roles.model_role_order,
        model_roles.model,
        measured.backend,
        model_roles.model_role = 'teacher' as is_reference,
        coalesce(measured.eval_tickets, 0) as eval_tickets,
        coalesce(measured.answered_tickets, 0) as answered_tickets,
        coalesce(measured.correct_tickets, 0) as correct_tickets,
        1.0 * measured.correct_tickets / nullif(measured.eval_tickets, 0) as accuracy,
        {{ wilson_interval_lower('measured.correct_tickets', 'measured.eval_tickets') }} as accuracy_lower,
        {{ wilson_interval_upper('measured.correct_tickets', 'measured.eval_tickets') }} as accuracy_upper,
        (1.0 * measured.correct_tickets / nullif(measured.eval_tickets, 0) - chance_agreement.chance_agreement)
        / nullif(1 - chance_agreement.chance_agreement, 0) as cohens_kappa,
        coalesce(measured.format_valid_tickets, 0) as format_valid_tickets,
        1.0 * measured.format_valid_tickets / nullif(measured.eval_tickets, 0) as format_validity,
        coalesce(measured.unknown_tickets, 0) as unknown_tickets,
        1.0 * measured.unknown_tickets / nullif(measured.eval_tickets, 0) as unknown_share

    from model_roles
    left join measured
        on model_roles.model_role = measured.model_role
    left join chance_agreement
        on model_roles.model_role = chance_agreement.model_role

)

select * from final
