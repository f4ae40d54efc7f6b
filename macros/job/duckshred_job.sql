{#- The batch job plan: a dump of service/plan.py's JobPlan, which checked it.

    The CLI puts each job's plan, as one line of JSON, in $DUCKSHRED_JOB_PLAN of
    the process that runs dbt, and it is read here at run time: no query, no file.
    Passing it as --vars instead would make dbt re-parse the whole project for
    every job (about a second); env_var() read only while executing is not
    recorded for partial parsing. Plain `dbt build` uses the `duckshred_job` var
    (the bundled sample's plan). -#}
{% macro duckshred_job() -%}
  {%- set plan = env_var('DUCKSHRED_JOB_PLAN', '') if execute else '' -%}
  {%- if plan -%}
    {{ return(fromjson(plan)) }}
  {%- endif -%}
  {{ return(var('duckshred_job')) }}
{%- endmacro %}
