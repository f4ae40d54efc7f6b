{#- The batch job plan: a dump of service/plan.py's JobPlan, which checked it.

    The CLI writes each job's plan to a file named by $DUCKSHRED_JOB_PLAN and
    it is read here at run time (duckshred_read_plan: each engine reads a text
    file its own way). Passing it as --vars instead would make dbt re-parse the
    whole project for every job (about a second); plain `dbt build` uses the
    `duckshred_job` var (the bundled sample's plan). -#}
{% macro duckshred_job() -%}
  {%- set plan_file = env_var('DUCKSHRED_JOB_PLAN', '') if execute else '' -%}
  {%- if plan_file -%}
    {{ return(fromjson(duckshred_read_plan(plan_file))) }}
  {%- endif -%}
  {{ return(var('duckshred_job')) }}
{%- endmacro %}
