-- Nothing is silently lost: every source row is a staged ticket or a quarantined row.
with

counts as (

    select
        (select count(*) from {{ source('support', 'support_tickets') }}) as source_rows,
        (select count(*) from {{ ref('stg_support__tickets') }}) as staged_rows,
        (select count(*) from {{ ref('stg_support__tickets_quarantined') }}) as quarantined_rows

)

select *
from counts
where source_rows != staged_rows + quarantined_rows
