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

model_categories as (

    select
        model_evaluation.model_role,
        model_evaluation.model_role_order,
        model_evaluation.model,
        valid_categories.category

    from model_evaluation
    cross join valid_categories

),

counted as (

    select
        model_categories.model_role,
        model_categories.category,
        sum(
            case when predictions.teacher_category = model_categories.category then 1 else 0 end
        ) as support,  -- noqa: RF04
        sum(
            case when predictions.predicted_category = model_categories.category then 1 else 0 end
        ) as predicted_tickets,
        sum(
            case
                when
                    predictions.teacher_category = model_categories.category
                    and predictions.predicted_category = model_categories.category
                    then 1
                else 0
            end
        ) as true_positives

    from model_categories
    left join predictions
        on model_categories.model_role = predictions.model_role
    group by model_categories.model_role, model_categories.category

),

scored as (

    select
        model_role,
        category,
        support,
        predicted_tickets,
        true_positives,
        1.0 * true_positives / nullif(predicted_tickets, 0) as precision,  -- noqa: RF04
        1.0 * true_positives / nullif(support, 0) as recall

    from counted

),

final as (

    select
        model_categories.model_role,
        model_categories.model_role_order,
        model_categories.model,
        model_categories.category,
        scored.support,
        scored.predicted_tickets,
        scored.true_positives,
        scored.precision,  -- noqa: RF04
        scored.recall,
        2 * scored.precision * scored.recall / nullif(scored.precision + scored.recall, 0) as f1

    from model_categories
    inner join scored
        on
            model_categories.model_role = scored.model_role
            and model_categories.category = scored.category

)

select * from final
