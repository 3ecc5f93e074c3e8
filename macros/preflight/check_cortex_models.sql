{#-
    dbt run-operation check_cortex_models

    The first step of a run: before any Cortex call, checks every model this run will call, per
    trainer of var trainer (configured_trainers()):
      - always teacher_model (role teacher) and message_model (role message_writer);
      - trainer embedding_classifier: embedding_model, an AI_EMBED model of the catalog (role
        embedding, priced_as ai_embed);
      - trainer cortex_finetune: finetune_base_model (a base FINETUNE accepts), and the catalog's
        row <finetune_base_model>:finetuned, the lifecycle of the model FINETUNE would train.
    Each is checked against
      - on Snowflake, SHOW CORTEX BASE MODELS IN SCHEMA SNOWFLAKE.MODELS: the models the current
        role can use in this account's region (in region or by cross-region inference), with their
        lifecycle status and end-of-life date (not for AI_EMBED models: see _model_findings);
      - everywhere, the catalog (seed cortex_models: `dbt seed --select cortex_models` first).
    Fails, naming each model, why (missing for this role and region, retired on <date>, not a
    fine-tune base, not an AI_EMBED model, not in the catalog, a fine-tuned model this account
    could not call) and what to use instead. A model that is legacy, or within 60 days of its end
    of life, is a warning, and so is FINETUNE's deprecation. Returns the list of findings (each a
    mapping: var, model, role, severity (error, warning or note), reason, and remedy where the
    finding says what to do itself).
    var preflight_as_of (a date, default today) sets the day the dates are compared with.
-#}
{% macro check_cortex_models() -%}
    {%- set today = _preflight_today() -%}
    {%- set catalog = _catalog_rows() -%}
    {%- set offered = _offered_base_models() -%}
    {%- set trainers = configured_trainers() -%}
    {%- set checks = _preflight_checks(trainers) -%}
    {%- set findings = [] -%}
    {%- set checked = [] -%}
    {%- set unlisted = [] -%}

    {%- for var_name, role in checks -%}
        {%- set model_name = _validate_model_name(var(var_name)) -%}
        {%- do findings.extend(_model_findings(var_name, model_name, role, catalog, offered, today)) -%}
        {%- do checked.append(var_name ~ " " ~ model_name) -%}
        {%- if offered is not none and role == 'embedding' and (model_name | lower) not in offered -%}
            {%- do unlisted.append(var_name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if 'cortex_finetune' in trainers -%}
        {%- set finetuned_findings = _finetuned_model_findings(catalog, today) -%}
        {%- do findings.extend(finetuned_findings) -%}
        {%- do checked.append("its fine-tuned model " ~ (var('finetune_base_model') | lower) ~ ":finetuned") -%}
    {%- endif -%}

    {%- set error_lines = [] -%}
    {%- set generic_remedy_vars = [] -%}
    {%- for finding in findings -%}
        {%- set line = finding['var'] ~ " = " ~ finding['model'] ~ ": " ~ finding['reason'] ~ "." -%}
        {%- if finding.get('remedy') -%}
            {%- set line = line ~ " " ~ finding['remedy'] -%}
        {%- else -%}
            {%- set usable = _usable_catalog_models(catalog, offered, finding['role'], today) -%}
            {%- set line = line ~ " Usable " ~ finding['role'] ~ " models in the catalog: "
                ~ (usable | join(', ') if usable else 'none') ~ "." -%}
        {%- endif -%}
        {%- if finding['severity'] == 'error' -%}
            {%- do error_lines.append(line) -%}
            {%- if not finding.get('remedy') -%}
                {%- do generic_remedy_vars.append(finding['var']) -%}
            {%- endif -%}
        {%- elif finding['severity'] == 'warning' -%}
            {%- do exceptions.warn("check_cortex_models: " ~ line) -%}
        {%- else -%}
            {{ log("check_cortex_models: " ~ line, info=true) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if error_lines -%}
        {{ exceptions.raise_compiler_error(
            "check_cortex_models: this run would call models it cannot use; nothing was sent to Cortex.\n"
            ~ error_lines | join('\n')
            ~ ("\nChoose another model with --vars, e.g. --vars '{" ~ generic_remedy_vars[0]
                ~ ": <model>}', or update the catalog." if generic_remedy_vars else "")) }}
    {%- endif -%}
    {%- set checked_by = "SHOW CORTEX BASE MODELS, " ~ _preflight_context() if offered is not none else "catalog" -%}
    {%- if unlisted -%}
        {%- set checked_by = checked_by ~ "; " ~ unlisted | join(', ')
            ~ " by the catalog alone: SHOW CORTEX BASE MODELS does not list it" -%}
    {%- endif -%}
    {{ log("check_cortex_models (trainer " ~ trainers | join(', ') ~ "): " ~ checked | join(', ')
        ~ " are usable (" ~ checked_by ~ ").", info=true) }}
    {{ return(findings) }}
{%- endmacro %}


{#-
    The (var, role) pairs this run calls: the teacher and the message writer always, then what
    each configured trainer's student needs.
-#}
{% macro _preflight_checks(trainers) -%}
    {%- set checks = [('teacher_model', 'teacher'), ('message_model', 'message_writer')] -%}
    {%- if 'embedding_classifier' in trainers -%}
        {%- do checks.append(('embedding_model', 'embedding')) -%}
    {%- endif -%}
    {%- if 'cortex_finetune' in trainers -%}
        {%- do checks.append(('finetune_base_model', 'finetune_base')) -%}
    {%- endif -%}
    {{ return(checks) }}
{%- endmacro %}


{#-
    The findings for one model a var names, for one role.

    An AI_EMBED model (role embedding) must be a catalog row priced_as 'ai_embed'. It is not
    required to be listed by SHOW CORTEX BASE MODELS (when it is listed, its lifecycle and dates
    from there are used). Why, from Snowflake's docs (read 2026-12-04): the command lists "the
    LLMs that Snowflake provides for use with Cortex AI Functions", filtered by model RBAC grants
    (sql-reference/sql/show-cortex-base-models); the functions that enforce model RBAC are
    AI_COMPLETE, AI_CLASSIFY, AI_FILTER, AI_AGG, AI_SUMMARIZE_AGG and, with the 2026_02 bundle,
    AI_TRANSCRIBE, AI_EXTRACT, AI_SENTIMENT, AI_TRANSLATE, AI_PARSE_DOCUMENT, AI_REDACT
    (release-notes/bcr-bundles/2026_02/bcr-2220) - not AI_EMBED, whose access is granted by the
    CORTEX_EMBED_USER database role (release note 2025-10-13). No page says that the command
    lists embedding models, so requiring it could refuse a model every account can call.
-#}
{% macro _model_findings(var_name, model_name, role, catalog, offered, today) -%}
    {%- set entry = catalog.get(model_name | lower) -%}
    {%- set is_embedding = role == 'embedding' -%}
    {%- set expected_pricing = 'ai_embed' if is_embedding else 'ai_complete' -%}
    {%- set shown = offered.get(model_name | lower) if offered is not none else none -%}
    {%- set end_of_life = _preflight_date((shown or {}).get('end_of_life_on')) or (entry or {}).get('end_of_life_on') -%}
    {%- set legacy_on = _preflight_date((shown or {}).get('legacy_on')) or (entry or {}).get('legacy_on') -%}
    {%- set status = ((shown or {}).get('lifecycle_status') or (entry or {}).get('lifecycle') or '') | lower -%}
    {%- set problems = [] -%}
    {%- set warnings = [] -%}

    {%- if entry is none -%}
        {%- do problems.append("not in the model catalog (seeds/cortex_models.csv)") -%}
    {%- elif entry['priced_as'] != expected_pricing -%}
        {%- do problems.append(
            ("not an AI_EMBED model" if is_embedding else "not a model AI_COMPLETE calls by name")
            ~ ": the catalog prices it as " ~ entry['priced_as']) -%}
    {%- endif -%}
    {%- if end_of_life is not none and end_of_life <= today -%}
        {%- do problems.append("retired on " ~ end_of_life) -%}
    {%- elif status == 'retired' -%}
        {%- do problems.append("retired" ~ (" (" ~ entry['notes'] ~ ")" if entry and entry['notes'] else "")) -%}
    {%- endif -%}
    {%- if offered is not none and shown is none and not is_embedding and problems | length == 0 -%}
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

    {%- set findings = [] -%}
    {%- for reason in problems -%}
        {%- do findings.append({'var': var_name, 'model': model_name, 'role': role, 'severity': 'error', 'reason': reason}) -%}
    {%- endfor -%}
    {%- for reason in warnings -%}
        {%- do findings.append({'var': var_name, 'model': model_name, 'role': role, 'severity': 'warning', 'reason': reason}) -%}
    {%- endfor -%}
    {{ return(findings) }}
{%- endmacro %}


{#-
    Trainer cortex_finetune: the model FINETUNE would train on finetune_base_model, as the
    catalog's row <base>:finetuned describes it (priced_as finetuned_inference).

    Every fine-tuned model on the FINETUNE bases became legacy on 2026-08-12 ("Cortex model
    deprecations for August 2026", BCR 2388, read 2026-12-04), and a legacy model can be called
    only by an account that used it before that day. On Snowflake that is an error before
    anything is trained, unless var account_can_call_legacy_finetuned_models says the account
    did; on the local target (the emulator serves legacy models to every account) a warning.
    FINETUNE itself is scheduled for deprecation in Q1 2027 (user-guide/snowflake-cortex/
    cortex-finetuning, read 2026-12-01): a warning on every target.
-#}
{% macro _finetuned_model_findings(catalog, today) -%}
    {%- set base_model = _validate_model_name(var('finetune_base_model')) -%}
    {%- set row_name = (base_model | lower) ~ ":finetuned" -%}
    {%- set entry = catalog.get(row_name) -%}
    {%- set can_call_legacy = _account_can_call_legacy_finetuned_models() -%}
    {%- set finding = {'var': 'finetune_base_model', 'model': base_model, 'role': 'finetuned_model'} -%}
    {%- set subject = "the model FINETUNE would train on it (catalog row " ~ row_name ~ ")" -%}
    {%- set other_trainer = "Train the embedding classifier instead: --vars '{trainer: embedding_classifier}'" -%}
    {%- set findings = [] -%}

    {%- if entry is none -%}
        {%- do findings.append(dict(finding, severity='warning',
            reason="the catalog has no row " ~ row_name ~ ", so the lifecycle and price of the model FINETUNE would train are unknown",
            remedy="Add the row to seeds/cortex_models.csv (priced_as finetuned_inference, base_model " ~ base_model ~ ").")) -%}
    {%- elif entry['end_of_life_on'] is not none and entry['end_of_life_on'] <= today or entry['lifecycle'] == 'retired' -%}
        {%- do findings.append(dict(finding, severity='error',
            reason=subject ~ " is retired" ~ (" on " ~ entry['end_of_life_on'] if entry['end_of_life_on'] else ""),
            remedy=other_trainer ~ ".")) -%}
    {%- elif entry['legacy_on'] is not none and entry['legacy_on'] <= today or (entry['lifecycle'] == 'legacy' and entry['legacy_on'] is none) -%}
        {%- set since = entry['legacy_on'] or 'its legacy date' -%}
        {%- set rule = subject ~ " is legacy since " ~ since ~ ", and Snowflake's rule for a legacy model is: "
            ~ '"If your account had not used the model anywhere before August 12, 2026, the account can'
            ~ "'t start using it. Queries and API calls that name the model fail.\""
            ~ " (Cortex model deprecations for August 2026, BCR 2388, which lists every fine-tuned model on the FINETUNE bases)" -%}
        {%- if target.type == 'snowflake' and not can_call_legacy -%}
            {%- do findings.append(dict(finding, severity='error',
                reason=rule ~ "; so this account could train the model but not call it, and nothing is trained",
                remedy=other_trainer ~ ", or set account_can_call_legacy_finetuned_models: true if this account did call fine-tuned models before " ~ since ~ ".")) -%}
        {%- elif target.type == 'snowflake' -%}
            {%- do findings.append(dict(finding, severity='note',
                reason=rule ~ "; var account_can_call_legacy_finetuned_models says this account did call fine-tuned models before " ~ since,
                remedy="Going on; if FINETUNE's model cannot be called, switch to --vars '{trainer: embedding_classifier}'.")) -%}
        {%- else -%}
            {%- do findings.append(dict(finding, severity='warning',
                reason=rule ~ "; a new Snowflake account could not call it",
                remedy="The local emulator serves legacy models to every account, so this run goes on; on Snowflake use --vars '{trainer: embedding_classifier}'.")) -%}
        {%- endif -%}
    {%- elif entry['legacy_on'] is not none -%}
        {%- do findings.append(dict(finding, severity='warning',
            reason=subject ~ " becomes legacy on " ~ entry['legacy_on'] ~ " (in " ~ (entry['legacy_on'] - today).days
                ~ " days): from then an account that had not used it before cannot start using it",
            remedy=other_trainer ~ ".")) -%}
    {%- endif -%}
    {%- do findings.append({'var': 'trainer', 'model': 'cortex_finetune', 'role': 'trainer', 'severity': 'warning',
        'reason': "Snowflake Cortex Fine-tuning (FINETUNE) is scheduled for deprecation in Q1 2027; Snowflake points to Cortex "
            ~ "Training instead (user-guide/snowflake-cortex/cortex-finetuning, read 2026-12-01), a preview Python SDK and "
            ~ "REST API whose docs do not say AI_COMPLETE can call its models",
        'remedy': "See docs/after-finetune.md; the default trainer, embedding_classifier, does not depend on FINETUNE."}) -%}
    {{ return(findings) }}
{%- endmacro %}


{#- var account_can_call_legacy_finetuned_models: true or false (default false), nothing else. -#}
{% macro _account_can_call_legacy_finetuned_models() -%}
    {%- set value = var('account_can_call_legacy_finetuned_models', false) -%}
    {%- if value is not sameas true and value is not sameas false -%}
        {{ exceptions.raise_compiler_error("var account_can_call_legacy_finetuned_models must be true or false; got " ~ (value | string | tojson)) }}
    {%- endif -%}
    {{ return(value) }}
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
        "select model_name, roles, lifecycle, legacy_on, end_of_life_on, is_finetune_base, notes, priced_as, base_model from "
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
            'priced_as': row[7],
            'base_model': row[8],
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


{#-
    Catalog models of `role` that are usable today (and listed by SHOW CORTEX BASE MODELS, when
    it ran, except AI_EMBED models, which the preflight does not require it to list).
-#}
{% macro _usable_catalog_models(catalog, offered, role, today) -%}
    {%- set usable = [] -%}
    {%- for key, entry in catalog.items() -%}
        {%- if role in entry['roles']
            and entry['lifecycle'] in ('ga', 'preview')
            and (entry['end_of_life_on'] is none or entry['end_of_life_on'] > today)
            and (offered is none or key in offered or role == 'embedding') -%}
            {%- do usable.append(entry['model_name']) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(usable) }}
{%- endmacro %}
