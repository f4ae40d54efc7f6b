{#- Post-hook of the staging model: its rows must sit in input order, since the
    outputs pair them by position with `row_keys` and write them as they are.
    Scans and projections keep that order (DuckDB documents it); should a future
    plan not, the table is put back in order here rather than anything going out
    of order. The check reads one integer column. -#}
{% macro duckshred_keep_input_order(relation) -%}
  {{ return(adapter.dispatch('duckshred_keep_input_order', 'duckshred')(relation)) }}
{%- endmacro %}

{% macro default__duckshred_keep_input_order(relation) -%}
  {%- set row_nr = var('duckshred_names').row_nr -%}
  {%- if execute -%}
    {%- set misplaced = run_query(
        "select count(*) from " ~ relation ~ " where " ~ row_nr ~ " != rowid + 1").columns[0].values()[0] -%}
    {%- if misplaced > 0 -%}
      {%- do log("duckshred: " ~ relation ~ " came out of input order; sorting it", info=false) -%}
      {%- do run_query("create or replace table " ~ relation ~ " as select * from " ~ relation
                       ~ " order by " ~ row_nr) -%}
    {%- endif -%}
  {%- endif -%}
  select 1
{%- endmacro %}

{#- Spark: a table has no order to keep; the Spark runner sorts the outputs by row
    number as it loads them into the warehouse. -#}
{% macro spark__duckshred_keep_input_order(relation) -%}
  select 1
{%- endmacro %}
