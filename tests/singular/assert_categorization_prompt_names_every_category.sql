-- The categorisation instructions the models send must offer every category the project accepts.
with

instructions as (

    select {{ categorization_instructions() }} as prompt_text

)

select valid_categories.category
from {{ ref('valid_categories') }} as valid_categories
cross join instructions
where position(valid_categories.category in instructions.prompt_text) = 0
