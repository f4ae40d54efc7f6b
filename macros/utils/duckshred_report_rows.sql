{#- Post-hook of every table model: log the table's row count for the job's
    progress display (rows/s per step). Counts only, never values. -#}
{% macro duckshred_report_rows() -%}
  {{ return(adapter.dispatch('duckshred_report_rows', 'duckshred')()) }}
{%- endmacro %}

{% macro default__duckshred_report_rows() -%}
  {%- if execute and model.config.materialized == 'table' -%}
    {%- set counted = run_query("select count(*) from " ~ this) -%}
    {%- do log("DUCKSHRED_ROWS " ~ this.identifier ~ " " ~ counted.rows[0][0], info=false) -%}
  {%- endif -%}
{%- endmacro %}
