{%- set window = checked_number_var('category_mix_window_tickets', minimum=1, whole_number=true) -%}
{%- set max_psi = checked_number_var('max_category_mix_psi', minimum=0) -%}

with

ticket_categories as (

    select * from {{ ref('ticket_categories') }}

),

sampled as (

    select * from {{ ref('int_tickets__sampled') }}

),

teacher_labels as (

    select * from {{ ref('int_teacher_labels__normalized') }}

),

model_versions as (

    select * from {{ ref('finetuned_model_versions') }}

),

-- Tickets the promoted model put in a category, numbered in the order they were first seen.
categorized as (

    select
        ticket_categories.ticket_id,
        ticket_categories.category,
        ticket_categories.model,
        sampled.sampled_at as run_started_at,
        row_number() over (order by sampled.sampled_at, ticket_categories.ticket_id) as categorized_number

    from ticket_categories
    inner join sampled
        on ticket_categories.ticket_id = sampled.ticket_id
    where
        ticket_categories.categorization_status = 'categorized'
        and ticket_categories.category != 'Unknown'

),

runs as (

    select
        run_started_at,
        count(*) as categorized_tickets,
        max(model) as model,
        max(categorized_number) as last_categorized_number

    from categorized
    group by run_started_at

),

-- The last var category_mix_window_tickets categorised tickets up to and including each run.
window_counts as (

    select
        runs.run_started_at,
        categorized.category,
        count(*) as tickets

    from runs
    inner join categorized
        on
            runs.last_categorized_number - {{ window }} < categorized.categorized_number
            and runs.last_categorized_number >= categorized.categorized_number
    group by runs.run_started_at, categorized.category

),

-- What each run's model learnt from: the teacher's categories on the train-split tickets first
-- seen before its training was launched (the pairs launch_finetune sends; Unknown never is one).
trained_on_counts as (

    select
        runs.run_started_at,
        teacher_labels.category,
        count(*) as tickets

    from runs
    inner join model_versions
        on lower(runs.model) = lower(model_versions.model_name)
    inner join sampled
        on cast(sampled.sampled_at as timestamp) <= model_versions.launched_at
    inner join teacher_labels
        on sampled.ticket_id = teacher_labels.ticket_id
    where
        teacher_labels.split = 'train'
        and teacher_labels.category != 'Unknown'
    group by runs.run_started_at, teacher_labels.category

),

category_counts as (

    select
        coalesce(window_counts.run_started_at, trained_on_counts.run_started_at) as run_started_at,
        coalesce(window_counts.category, trained_on_counts.category) as category,
        coalesce(window_counts.tickets, 0) as window_tickets,
        coalesce(trained_on_counts.tickets, 0) as trained_on_tickets

    from window_counts
    full outer join trained_on_counts
        on
            window_counts.run_started_at = trained_on_counts.run_started_at
            and window_counts.category = trained_on_counts.category

),

category_totals as (

    select
        *,
        sum(window_tickets) over (partition by run_started_at) as window_total,
        sum(trained_on_tickets) over (partition by run_started_at) as trained_on_total,
        count(*) over (partition by run_started_at) as categories

    from category_counts

),

-- Shares with half a ticket added to every category (so a category one side never saw has a
-- finite log).
category_shares as (

    select
        *,
        (window_tickets + 0.5) / (window_total + 0.5 * categories) as window_share,
        (trained_on_tickets + 0.5) / (trained_on_total + 0.5 * categories) as trained_on_share

    from category_totals

),

category_terms as (

    select
        *,
        (window_share - trained_on_share) * ln(window_share / trained_on_share) as stability_index_term,
        -- The G statistic (likelihood-ratio chi-square) of the 2 x categories table sums
        -- observed x ln(observed / expected), expected as if both sides were one population.
        case
            when window_tickets > 0
                then window_tickets * ln(
                        1.0 * window_tickets * (window_total + trained_on_total)
                        / (window_total * (window_tickets + trained_on_tickets))
                    )
            else 0
        end
        + case
            when trained_on_tickets > 0
                then trained_on_tickets * ln(
                        1.0 * trained_on_tickets * (window_total + trained_on_total)
                        / (trained_on_total * (window_tickets + trained_on_tickets))
                    )
            else 0
        end as g_statistic_term,
        row_number() over (
            partition by run_started_at
            order by abs(window_share - trained_on_share) desc, category
        ) as shift_rank

    from category_shares
    where trained_on_total > 0

),

run_statistics as (

    select
        run_started_at,
        max(window_total) as window_tickets,
        max(trained_on_total) as trained_on_tickets,
        max(categories) as categories,
        sum(stability_index_term) as population_stability_index,
        2 * sum(g_statistic_term) as g_statistic,
        max(case when shift_rank = 1 then category end) as most_shifted_category,
        max(case when shift_rank = 1 then window_share end) as most_shifted_category_window_share,
        max(case when shift_rank = 1 then trained_on_share end) as most_shifted_category_trained_on_share

    from category_terms
    group by run_started_at

),

run_tests as (

    select
        *,
        {{ chi_square_critical_value('categories - 1') }} as g_statistic_critical_value

    from run_statistics

),

final as (

    select
        runs.run_started_at,
        runs.model,
        runs.categorized_tickets,
        run_tests.window_tickets,
        run_tests.trained_on_tickets,
        run_tests.categories,
        run_tests.population_stability_index,
        run_tests.g_statistic,
        run_tests.g_statistic_critical_value,
        run_tests.most_shifted_category,
        run_tests.most_shifted_category_window_share,
        run_tests.most_shifted_category_trained_on_share,
        coalesce(
            run_tests.population_stability_index >= {{ max_psi }}
            and run_tests.g_statistic > run_tests.g_statistic_critical_value,
            false
        ) as is_mix_shifted,
        runs.run_started_at = max(runs.run_started_at) over () as is_latest_run

    from runs
    left join run_tests
        on runs.run_started_at = run_tests.run_started_at

)

select * from final
