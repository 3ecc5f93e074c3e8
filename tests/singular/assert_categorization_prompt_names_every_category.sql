-- The categorisation prompt must offer the model every category the project accepts.
select category
from {{ ref('valid_categories') }}
where position(lower(category) in lower({{ quote_string_literal(var('categorization_prompt')) }})) = 0
