-- Every role's confusion matrix adds up to the evaluation set: no ticket falls outside the grid.
with

model_evaluation as (

    select * from {{ ref('model_evaluation') }}

),

confusion_matrix as (

    select * from {{ ref('model_confusion_matrix') }}

),

cell_totals as (

    select
        model_role,
        sum(tickets) as tickets

    from confusion_matrix
    group by model_role

)

select
    model_evaluation.model_role,
    model_evaluation.eval_tickets,
    cell_totals.tickets as confusion_matrix_tickets

from model_evaluation
left join cell_totals
    on model_evaluation.model_role = cell_totals.model_role
where coalesce(cell_totals.tickets, 0) != model_evaluation.eval_tickets
