{#-
    A select that places each raw model response on one allowed category.

    `responses` is a CTE or relation with `id_column` and `response_column`. The result has one
    row per id: the id and `category`, which is
      1. the category whose name is the whole response (ignoring case, spaces and punctuation);
      2. else the one category the response names among its words ("Category: Lost phone.",
         "I would say this is about lost phone");
      3. else 'Unknown' (no category named, or more than one).
    Allowed categories come from the valid_categories seed.
-#}
{% macro categorize_responses(responses, id_column, response_column) -%}
    select
        response_keys.{{ id_column }},
        coalesce(
            max(case when category_keys.category_key = response_keys.response_key then category_keys.category end),
            case when count(distinct category_keys.category) = 1 then max(category_keys.category) end,
            'Unknown'
        ) as category
    from (
        select
            {{ id_column }},
            {{ category_match_key(response_column) }} as response_key
        from {{ responses }}
    ) as response_keys
    left join (
        select
            category,
            {{ category_match_key('category') }} as category_key
        from {{ ref('valid_categories') }}
    ) as category_keys
        on contains(response_keys.response_key, category_keys.category_key)
    group by response_keys.{{ id_column }}
{%- endmacro %}
