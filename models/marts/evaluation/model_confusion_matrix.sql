with

model_evaluation as (

    select * from {{ ref('model_evaluation') }}

),

predictions as (

    select * from {{ ref('int_evaluation_predictions__unioned') }}

),

valid_categories as (

    select * from {{ ref('valid_categories') }}

),

-- Both axes: every valid category, then 'Unknown' (an answer that names no single category).
categories as (

    select category

    from valid_categories

    union all

    select 'Unknown' as category

),

cells as (

    select
        model_evaluation.model_role,
        model_evaluation.model_role_order,
        model_evaluation.model,
        teacher_categories.category as teacher_category,
        predicted_categories.category as predicted_category

    from model_evaluation
    cross join categories as teacher_categories
    cross join categories as predicted_categories

),

counted as (

    select
        model_role,
        teacher_category,
        predicted_category,
        count(*) as tickets

    from predictions
    group by model_role, teacher_category, predicted_category

),

final as (

    select
        cells.model_role,
        cast(cells.model_role_order as bigint) as model_role_order,
        cells.model,
        cells.teacher_category,
        cells.predicted_category,
        cast(coalesce(counted.tickets, 0) as bigint) as tickets,
        cells.teacher_category = cells.predicted_category as is_diagonal

    from cells
    left join counted
        on
            cells.model_role = counted.model_role
            and cells.teacher_category = counted.teacher_category
            and cells.predicted_category = counted.predicted_category

)

select * from final
