{#- The text of the job plan file the CLI wrote (one line of JSON). -#}
{% macro duckshred_read_plan(plan_file) -%}
  {{ return(adapter.dispatch('duckshred_read_plan', 'duckshred')(plan_file)) }}
{%- endmacro %}

{% macro default__duckshred_read_plan(plan_file) -%}
  {{ return(run_query("select content from read_text(" ~ duckshred_literal(plan_file) ~ ")").columns[0].values()[0]) }}
{%- endmacro %}

{% macro spark__duckshred_read_plan(plan_file) -%}
  {{ return(run_query("select value from text." ~ duckshred_ident(plan_file)).columns[0].values()[0]) }}
{%- endmacro %}
