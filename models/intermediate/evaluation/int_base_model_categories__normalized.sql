{{ categorize_current_answers(
    ref('int_base_model_categories__requested'),
    model=var('finetune_base_model'),
    id_column='base_model_category_id',
    keep_each_request_kind=true,
) }}
