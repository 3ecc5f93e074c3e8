{%- set promotions = source('finetuning', 'model_promotions') -%}
{%- set finetuned_model = promoted_finetuned_model(promotions) or finetuned_model_name() -%}
{%- set jobs = source('finetuning', 'finetune_jobs') -%}
{%- set finetuned_job = latest_successful_finetune_job(jobs, model_name=finetuned_model) -%}

with

finetune_jobs as (

    select * from {{ source('finetuning', 'finetune_jobs') }}

),

model_costs as (

    select * from {{ ref('model_costs') }}

),

-- No page gives FINETUNE's training rate: the base model's input rate stands in, and says so.
training_prices as (

    select
        model_name,
        input_credits_per_million_tokens as credits_per_million_tokens,
        'assumed: no published training rate; the base model''s input rate' as price_basis

    from {{ ref('cortex_models') }}

),

split as (

    select * from {{ ref('int_tickets__split') }}

),

teacher_labels as (

    select * from {{ ref('int_teacher_labels__normalized') }}

),

-- The job that produced the fine-tuned model in use (macro latest_successful_finetune_job).
finetune_job as (

    select
        job_id,
        model_name,
        base_model,
        trained_tokens

    from finetune_jobs
    where {{ "job_id = " ~ quote_string_literal(finetuned_job['job_id']) if finetuned_job else "1 = 0" }}

),

ticket_counts as (

    select count(*) as tickets

    from split

),

teacher_labeled_counts as (

    select count(*) as teacher_labeled_tickets

    from teacher_labels
    where raw_response is not null

),

teacher_costs as (

    select * from model_costs
    where model_role = 'teacher'

),

finetuned_costs as (

    select * from model_costs
    where model_role = 'finetuned'

),

priced as (

    select
        finetune_job.model_name as finetuned_model,
        finetune_job.base_model,
        finetune_job.job_id,
        finetune_job.trained_tokens,
        training_prices.credits_per_million_tokens as training_credits_per_million_tokens,
        training_prices.price_basis as training_price_basis,
        finetune_job.trained_tokens * training_prices.credits_per_million_tokens / 1000000.0 as training_credits,
        teacher_costs.model as teacher_model,
        teacher_costs.credits_per_ticket as teacher_credits_per_ticket,
        finetuned_costs.credits_per_ticket as finetuned_credits_per_ticket,
        teacher_costs.credits_per_ticket - finetuned_costs.credits_per_ticket as credits_saved_per_ticket,
        teacher_costs.credits_per_1000_tickets as teacher_credits_per_1000_tickets,
        finetuned_costs.credits_per_1000_tickets as finetuned_credits_per_1000_tickets,
        ticket_counts.tickets,
        teacher_labeled_counts.teacher_labeled_tickets

    from finetune_job
    cross join ticket_counts
    cross join teacher_labeled_counts
    left join training_prices
        on lower(finetune_job.base_model) = lower(training_prices.model_name)
    cross join teacher_costs
    cross join finetuned_costs

),

final as (

    select
        finetuned_model,
        base_model,
        job_id,
        trained_tokens,
        training_credits_per_million_tokens,
        training_price_basis,
        training_credits,
        teacher_model,
        teacher_credits_per_1000_tickets,
        finetuned_credits_per_1000_tickets,
        teacher_credits_per_1000_tickets - finetuned_credits_per_1000_tickets as credits_saved_per_1000_tickets,
        -- Null when the fine-tuned model is not cheaper per ticket: it never pays off.
        cast(
            case
                when credits_saved_per_ticket > 0 then ceil(training_credits / credits_saved_per_ticket)
            end as integer
        ) as break_even_tickets,
        tickets,
        teacher_labeled_tickets,
        {{ var('bootstrap_ticket_budget') | int }} as bootstrap_ticket_budget,
        teacher_labeled_tickets * teacher_credits_per_ticket as teacher_credits_spent,
        tickets * teacher_credits_per_ticket as teacher_credits_for_every_ticket,
        (tickets - teacher_labeled_tickets) * teacher_credits_per_ticket as teacher_credits_saved_by_sampling,
        tickets * finetuned_credits_per_ticket as finetuned_credits_for_every_ticket,
        teacher_labeled_tickets * teacher_credits_per_ticket
        + training_credits
        + tickets * finetuned_credits_per_ticket as pipeline_credits,
        tickets * teacher_credits_per_ticket
        - teacher_labeled_tickets * teacher_credits_per_ticket
        - training_credits
        - tickets * finetuned_credits_per_ticket as credits_saved_against_teacher_only

    from priced

)

select * from final
