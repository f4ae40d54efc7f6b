{#- Post-hook of the staging model: keep where DuckDB rejected malformed CSV lines
    (line number, error type, column: never the line's text) in a table that
    `stg_source_violations` reads. DuckDB's `reject_errors` is private to the
    connection that read the file, so it is copied here, on that connection. -#}
{% macro duckshred_keep_source_rejects() -%}
  {{ return(adapter.dispatch('duckshred_keep_source_rejects', 'duckshred')()) }}
{%- endmacro %}

{% macro default__duckshred_keep_source_rejects() -%}
  {%- if duckshred_job().get('source_format', 'csv') == 'parquet' %}
  create or replace table stg_source_rejects
      (line bigint, error_type varchar, column_name varchar)
  {%- else %}
  create or replace table stg_source_rejects as
  select line, error_type, coalesce(column_name, '') as column_name
  from reject_errors
  {%- endif %}
{%- endmacro %}
