{%- set finetuned_model = resolve_finetuned_model(source('finetuning', 'finetune_jobs')) -%}

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
        coalesce(measured.format_valid_tickets, 0) as format_valid_tickets,
        1.0 * measured.format_valid_tickets / nullif(measured.eval_tickets, 0) as format_validity,
        coalesce(measured.unknown_tickets, 0) as unknown_tickets,
        1.0 * measured.unknown_tickets / nullif(measured.eval_tickets, 0) as unknown_share

    from model_roles
    left join measured
        on model_roles.model_role = measured.model_role

)

select * from final
