{#- Post-hook of the staging model: fail the job on the first bad row, naming
    the row (1-based, header excluded) but never quoting PII. Raising here
    skips every downstream model, so no key is made for a failed job. -#}
{% macro duckshred_assert_source_rows(job) -%}
  {{ return(adapter.dispatch('duckshred_assert_source_rows', 'duckshred')(job)) }}
{%- endmacro %}

{% macro default__duckshred_assert_source_rows(job) -%}
  {%- if execute -%}
    {%- set rejects = run_query(
        "select line, error_type, coalesce(column_name, '') from reject_errors order by line limit 1") -%}
    {%- if rejects.rows | length > 0 -%}
      {%- set reject = rejects.rows[0] -%}
      {{ exceptions.raise_compiler_error(
          "DUCKSHRED_JOB_ERROR Malformed CSV [" ~ reject[1] ~ (" in column " ~ reject[2] if reject[2] else "")
          ~ "] at line " ~ reject[0] ~ " of " ~ job.source_path) }}
    {%- endif -%}

    {%- set ts = job.timestamp -%}
    {%- set row_nr = var('duckshred_names').row_nr -%}
    {%- set bad_time = run_query(
        "select " ~ row_nr ~ ", java_timestamp_error(" ~ duckshred_ident(ts.field) ~ ", "
        ~ duckshred_literal(ts.format) ~ ", " ~ duckshred_literal(ts.zone) ~ ") from " ~ this
        ~ " where __event_ms is null order by " ~ row_nr ~ " limit 1") -%}
    {%- if bad_time.rows | length > 0 -%}
      {%- set row = bad_time.rows[0] -%}
      {%- set detail = row[1] if ts.field not in job.pii_fields else "the value of PII field " ~ ts.field ~ " could not be parsed with pattern " ~ ts.format -%}
      {{ exceptions.raise_compiler_error(
          "DUCKSHRED_JOB_ERROR Invalid timestamp [" ~ detail ~ "] in row #" ~ row[0]) }}
    {%- endif -%}

    {%- for validation in job.contract.get('validations', []) -%}
      {%- set bad = run_query(
          "select min(" ~ row_nr ~ ") from " ~ this ~ " where not regexp_full_match("
          ~ duckshred_ident(validation.field) ~ ", " ~ duckshred_literal(validation.value) ~ ")") -%}
      {%- if bad.rows[0][0] is not none -%}
        {{ exceptions.raise_compiler_error(
            "DUCKSHRED_JOB_ERROR Validation failed [field " ~ validation.field
            ~ " does not match regex " ~ validation.value ~ "] in row #" ~ bad.rows[0][0]) }}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  select 1
{%- endmacro %}
