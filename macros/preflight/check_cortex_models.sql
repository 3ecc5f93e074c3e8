{#-
    dbt run-operation check_cortex_models

    The first step of a run: before any Cortex call, checks every base model this run will call
    (vars teacher_model, message_model and finetune_base_model) against
      - on Snowflake, SHOW CORTEX BASE MODELS IN SCHEMA SNOWFLAKE.MODELS: the models the current
        role can use in this account's region (in region or by cross-region inference), with their
        lifecycle status and end-of-life date;
      - everywhere, the catalog (seed cortex_models: `dbt seed --select cortex_models` first):
        lifecycle, end of life, and whether FINETUNE accepts the fine-tune base.
    Fails, naming each model, why (missing for this role and region, retired on <date>, not a
    fine-tune base, not in the catalog) and the usable catalog models of the same role. A model
    that is legacy, or within 60 days of its end of life, is a warning. Returns the list of
    findings (each a mapping: var, model, role, severity, reason).
    var preflight_as_of (a date, default today) sets the day the dates are compared with.
-#}
{% macro check_cortex_models() -%}
    {%- set today = _preflight_today() -%}
    {%- set catalog = _catalog_rows() -%}
    {%- set offered = _offered_base_models() -%}
    {%- set findings = [] -%}
    {%- set checks = [
        ('teacher_model', 'teacher'),
        ('message_model', 'message_writer'),
        ('finetune_base_model', 'finetune_base'),
    ] -%}

    {%- for var_name, role in checks -%}
        {%- set model_name = _validate_model_name(var(var_name)) -%}
        {%- set entry = catalog.get(model_name | lower) -%}
        {%- set shown = offered.get(model_name | lower) if offered is not none else none -%}
        {%- set end_of_life = _preflight_date((shown or {}).get('end_of_life_on')) or (entry or {}).get('end_of_life_on') -%}
        {%- set legacy_on = _preflight_date((shown or {}).get('legacy_on')) or (entry or {}).get('legacy_on') -%}
        {%- set status = ((shown or {}).get('lifecycle_status') or (entry or {}).get('lifecycle') or '') | lower -%}
        {%- set problems = [] -%}
        {%- set warnings = [] -%}

        {%- if entry is none -%}
            {%- do problems.append("not in the model catalog (seeds/cortex_models.csv)") -%}
        {%- endif -%}
        {%- if end_of_life is not none and end_of_life <= today -%}
            {%- do problems.append("retired on " ~ end_of_life) -%}
        {%- elif status == 'retired' -%}
            {%- do problems.append("retired" ~ (" (" ~ entry['notes'] ~ ")" if entry and entry['notes'] else "")) -%}
        {%- endif -%}
        {%- if offered is not none and shown is none and problems | length == 0 -%}
            {%- do problems.append("missing: SHOW CORTEX BASE MODELS does not list it for role " ~ _preflight_context()) -%}
        {%- endif -%}
        {%- if role == 'finetune_base' and entry is not none and not entry['is_finetune_base'] -%}
            {%- do problems.append("FINETUNE does not accept it as a base model") -%}
        {%- endif -%}
        {%- if problems | length == 0 -%}
            {%- if status == 'legacy' -%}
                {%- do warnings.append("legacy" ~ (" since " ~ legacy_on if legacy_on else "") ~ ": only accounts that already used it can call it") -%}
            {%- endif -%}
            {%- if end_of_life is not none and (end_of_life - today).days <= 60 -%}
                {%- do warnings.append("reaches its end of life on " ~ end_of_life ~ " (in " ~ (end_of_life - today).days ~ " days)") -%}
            {%- endif -%}
            {%- if entry is not none and role not in entry['roles'] -%}
                {%- do warnings.append("the catalog does not list it for the " ~ role ~ " role") -%}
            {%- endif -%}
        {%- endif -%}

        {%- for reason in problems -%}
            {%- do findings.append({'var': var_name, 'model': model_name, 'role': role, 'severity': 'error', 'reason': reason}) -%}
        {%- endfor -%}
        {%- for reason in warnings -%}
            {%- do findings.append({'var': var_name, 'model': model_name, 'role': role, 'severity': 'warning', 'reason': reason}) -%}
        {%- endfor -%}
    {%- endfor -%}

    {%- set error_lines = [] -%}
    {%- set error_vars = [] -%}
    {%- for finding in findings -%}
        {%- set usable = _usable_catalog_models(catalog, offered, finding['role'], today) -%}
        {%- set line = finding['var'] ~ " = " ~ finding['model'] ~ ": " ~ finding['reason'] ~ ". Usable "
            ~ finding['role'] ~ " models in the catalog: " ~ (usable | join(', ') if usable else 'none') ~ "." -%}
        {%- if finding['severity'] == 'error' -%}
            {%- do error_lines.append(line) -%}
            {%- do error_vars.append(finding['var']) -%}
        {%- else -%}
            {%- do exceptions.warn("check_cortex_models: " ~ line) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if error_lines -%}
        {{ exceptions.raise_compiler_error(
            "check_cortex_models: this run would call models it cannot use; nothing was sent to Cortex.\n"
            ~ error_lines | join('\n')
            ~ "\nChoose another model with --vars, e.g. --vars '{" ~ error_vars[0] ~ ": <model>}', or update the catalog.") }}
    {%- endif -%}
    {%- set checked = [] -%}
    {%- for var_name, role in checks -%}
        {%- do checked.append(var_name ~ " " ~ var(var_name)) -%}
    {%- endfor -%}
    {{ log("check_cortex_models: " ~ checked | join(', ') ~ " are usable"
        ~ (" (SHOW CORTEX BASE MODELS, " ~ _preflight_context() ~ ")" if offered is not none else " (catalog)") ~ ".", info=true) }}
    {{ return(findings) }}
{%- endmacro %}


{#- The day dates are compared with: var preflight_as_of, or today. -#}
{% macro _preflight_today() -%}
    {%- set as_of = var('preflight_as_of', none) -%}
    {%- if as_of -%}
        {{ return(_preflight_date(as_of)) }}
    {%- endif -%}
    {{ return(modules.datetime.date.today()) }}
{%- endmacro %}


{#- A date from a date, datetime or 'YYYY-MM-DD' text; none for none or ''. -#}
{% macro _preflight_date(value) -%}
    {%- if value is none or value == '' -%}
        {{ return(none) }}
    {%- elif value is string -%}
        {{ return(modules.datetime.datetime.strptime(value[:10], '%Y-%m-%d').date()) }}
    {%- elif value.date is defined and value.hour is defined -%}
        {{ return(value.date()) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#- The catalog (seed cortex_models) as a mapping: lower-case model name -> row. -#}
{% macro _catalog_rows() -%}
    {%- set catalog_relation = ref('cortex_models') -%}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {%- if load_relation(catalog_relation) is none -%}
        {{ exceptions.raise_compiler_error("check_cortex_models: the model catalog " ~ catalog_relation ~ " is not loaded: run `dbt seed --select cortex_models` first.") }}
    {%- endif -%}
    {%- set loaded = run_query(
        "select model_name, roles, lifecycle, legacy_on, end_of_life_on, is_finetune_base, notes from "
        ~ catalog_relation ~ " order by model_name") -%}
    {%- set rows = {} -%}
    {%- for row in loaded.rows -%}
        {%- do rows.update({(row[0] | lower): {
            'model_name': row[0],
            'roles': (row[1] or '').split(),
            'lifecycle': row[2],
            'legacy_on': _preflight_date(row[3]),
            'end_of_life_on': _preflight_date(row[4]),
            'is_finetune_base': row[5] in (true, 'true', 'True', 1),
            'notes': row[6],
        }}) -%}
    {%- endfor -%}
    {{ return(rows) }}
{%- endmacro %}


{#-
    What SHOW CORTEX BASE MODELS lists for the current role (lower-case name -> name,
    lifecycle_status, legacy_on, end_of_life_on), or none where there is no such command (the
    local target: the catalog alone decides). Only `name` and `lifecycle_status` are named in the
    command's documentation as read; the dates are read from the columns whose names contain
    'legacy' and 'end_of_life'.
-#}
{% macro _offered_base_models() -%}
    {{ return(adapter.dispatch('_offered_base_models', 'support_ticket_llm')()) }}
{%- endmacro %}

{% macro default___offered_base_models() -%}
    {{ return(none) }}
{%- endmacro %}

{% macro snowflake___offered_base_models() -%}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set shown = run_query("show cortex base models in schema snowflake.models") -%}
    {%- set names = shown.column_names | map('lower') | list -%}
    {%- set offered = {} -%}
    {%- for row in shown.rows -%}
        {%- set found = {} -%}
        {%- for column in names -%}
            {%- set value = row[loop.index0] -%}
            {%- if column == 'name' -%}
                {%- do found.update({'name': value}) -%}
            {%- elif column == 'lifecycle_status' -%}
                {%- do found.update({'lifecycle_status': value}) -%}
            {%- elif 'end_of_life' in column -%}
                {%- do found.update({'end_of_life_on': value}) -%}
            {%- elif 'legacy' in column -%}
                {%- do found.update({'legacy_on': value}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do offered.update({(found['name'] | lower): found}) -%}
    {%- endfor -%}
    {{ return(offered) }}
{%- endmacro %}


{#- "<role> in <region>" for the messages (Snowflake); the target's role elsewhere. -#}
{% macro _preflight_context() -%}
    {%- if target.type != 'snowflake' or not execute -%}
        {{ return(target.name) }}
    {%- endif -%}
    {%- set context = run_query("select current_role(), current_region()") -%}
    {{ return(context.rows[0][0] ~ " in region " ~ context.rows[0][1]) }}
{%- endmacro %}


{#- Catalog models of `role` that are usable today (and listed by SHOW CORTEX BASE MODELS, when it ran). -#}
{% macro _usable_catalog_models(catalog, offered, role, today) -%}
    {%- set usable = [] -%}
    {%- for key, entry in catalog.items() -%}
        {%- if role in entry['roles']
            and entry['lifecycle'] in ('ga', 'preview')
            and (entry['end_of_life_on'] is none or entry['end_of_life_on'] > today)
            and (offered is none or key in offered) -%}
            {%- do usable.append(entry['model_name']) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(usable) }}
{%- endmacro %}
