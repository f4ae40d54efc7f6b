{#- The source file's rows as text (a CSV field can't be NULL: an empty field is the
    empty string), each with its 1-based position in the file as `__row_nr`. -#}
{% macro duckshred_source_text(job) -%}
select
    {%- for column in job.contract.columns %}
    coalesce({{ duckshred_ident(column.name) }}, '') as {{ duckshred_ident(column.name) }}
    {{- "," if not loop.last }}
    {%- endfor %}
{%- if job.get('source_format', 'csv') == 'parquet' %}
from {{ duckshred_read_source_parquet(job.source_path, job.contract.columns) }}
{%- else %}
from {{ duckshred_read_source_csv(job.source_path, job.contract.columns) }}
{%- endif %}
{%- endmacro %}

{% macro duckshred_numbered_source(job) -%}
  {{ return(adapter.dispatch('duckshred_numbered_source', 'duckshred')(job)) }}
{%- endmacro %}

{#- DuckDB: numbering rows with a window over the scan (`row_number() over ()`) runs
    the scan and everything computed from it on one thread (measured: 0.4 s of the
    staging model's 0.9 s on the reference job). A table keeps its rows in scan order
    and the file readers keep file order, so the staging model's pre-hook reads the
    file into a scratch table on every thread (duckshred_stage_source), and a row's
    number is its place in that table. -#}
{% macro default__duckshred_numbered_source(job) -%}
(select rowid + 1 as {{ var('duckshred_names').row_nr }}, * from duckshred_source_file)
{%- endmacro %}

{% macro spark__duckshred_numbered_source(job) -%}
(
    select {{ duckshred_source_row_number() }} as {{ var('duckshred_names').row_nr }}, *
    from ({{ duckshred_source_text(job) }}) as source_text
)
{%- endmacro %}

{#- Pre-hook (create=true) and post-hook (create=false) of the staging model: the
    scratch table the DuckDB version above numbers; nothing on Spark. -#}
{% macro duckshred_stage_source(create) -%}
  {{ return(adapter.dispatch('duckshred_stage_source', 'duckshred')(create)) }}
{%- endmacro %}

{% macro default__duckshred_stage_source(create) -%}
  {%- if create -%}
  create or replace temporary table duckshred_source_file as
  {{ duckshred_source_text(duckshred_job()) }}
  {%- else -%}
  drop table if exists duckshred_source_file
  {%- endif -%}
{%- endmacro %}

{% macro spark__duckshred_stage_source(create) -%}
  select 1
{%- endmacro %}
