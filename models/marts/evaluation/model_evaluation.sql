with

predictions as (

    select * from {{ ref('int_evaluation_predictions__unioned') }}

),

student_versions as (

    select * from {{ ref('int_student_versions__listed') }}

),

-- The teacher and the base model have a row even before (or without) an evaluation set; each
-- trainer's student once it has a trained version.
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
        {{ student_model_role('trainer') }} as model_role,
        case when trainer = 'cortex_finetune' then 4 else 5 end as model_role_order,
        student_model as model

    from student_versions
    where is_reported

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
        cast(model_roles.model_role_order as bigint) as model_role_order,
        model_roles.model,
        measured.backend,
        model_roles.model_role = 'teacher' as is_reference,
        coalesce(student_versions.is_champion, false) as is_in_use,
        cast(coalesce(measured.eval_tickets, 0) as bigint) as eval_tickets,
        cast(coalesce(measured.answered_tickets, 0) as bigint) as answered_tickets,
        cast(coalesce(measured.correct_tickets, 0) as bigint) as correct_tickets,
        cast(1.0 * measured.correct_tickets / nullif(measured.eval_tickets, 0) as double) as accuracy,
        cast(
            {{ wilson_interval_lower('measured.correct_tickets', 'measured.eval_tickets') }} as double
        ) as accuracy_lower,
        cast(
            {{ wilson_interval_upper('measured.correct_tickets', 'measured.eval_tickets') }} as double
        ) as accuracy_upper,
        cast(
            (1.0 * measured.correct_tickets / nullif(measured.eval_tickets, 0) - chance_agreement.chance_agreement)
            / nullif(1 - chance_agreement.chance_agreement, 0) as double
        ) as cohens_kappa,
        cast(coalesce(measured.format_valid_tickets, 0) as bigint) as format_valid_tickets,
        cast(1.0 * measured.format_valid_tickets / nullif(measured.eval_tickets, 0) as double)
            as format_validity,
        cast(coalesce(measured.unknown_tickets, 0) as bigint) as unknown_tickets,
        cast(1.0 * measured.unknown_tickets / nullif(measured.eval_tickets, 0) as double) as unknown_share

    from model_roles
    left join student_versions
        on lower(model_roles.model) = lower(student_versions.student_model)
            and student_versions.is_reported
    left join measured
        on model_roles.model_role = measured.model_role
    left join chance_agreement
        on model_roles.model_role = chance_agreement.model_role

)

select * from final
