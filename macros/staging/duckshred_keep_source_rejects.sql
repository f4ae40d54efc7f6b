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

{#- Spark: its CSV reader puts a malformed line in `__malformed` (see
    spark__duckshred_read_source_csv); a temporary view lists where, never what.
    A line is counted as a data row after the header (Spark names no line number). -#}
{% macro spark__duckshred_keep_source_rejects() -%}
  {%- set job = duckshred_job() -%}
  {%- if job.get('source_format', 'csv') == 'parquet' %}
  create or replace temporary view stg_source_rejects as
  select cast(NULL as bigint) as line, cast(NULL as string) as error_type,
         cast(NULL as string) as column_name
  where false
  {%- else %}
  {#- Spark refuses a query that reads the malformed column alone: a data column is
      read too, in a condition that always holds (so the optimizer keeps it). -#}
  {%- set first = duckshred_ident(job.contract.columns[0].name) %}
  create or replace temporary view stg_source_rejects as
  select row_nr + 1 as line, 'the number of fields or the quoting is wrong' as error_type,
         '' as column_name
  from (
      select {{ duckshred_source_row_number() }} as row_nr, __malformed, {{ first }}
      from duckshred_source_csv
  )
  where __malformed is not null and coalesce(length({{ first }}), 0) >= 0
  {%- endif %}
{%- endmacro %}
