{{ categorize_current_answers(
    ref('int_finetuned_categories__requested'),
    model=resolve_finetuned_model(source('finetuning', 'finetune_jobs')),
    id_column='finetuned_category_id',
) }}
