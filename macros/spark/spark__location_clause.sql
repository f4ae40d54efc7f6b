{#- Where dbt-spark writes the job's tables: under the running job's own staging
    folder in the workspace ($DUCKSHRED_SPARK_TABLES, set by the Spark runner),
    which is deleted when the job ends; they hold plaintext and key material.
    Read at run time, so dbt can keep its parsed project between jobs. -#}
{% macro spark__location_clause() %}
  {%- set root = env_var('DUCKSHRED_SPARK_TABLES', '') if execute else '' -%}
  {%- if root %}
    location {{ duckshred_literal(root ~ '/' ~ model['schema'] ~ '/' ~ model['alias']) }}
  {%- endif %}
{%- endmacro %}
