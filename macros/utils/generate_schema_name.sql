{#- Each batch job's warehouse tables live in a schema of their own
    (`job_<id>`), so earlier jobs stay queryable for access requests. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name == 'job' -%}
    job_{{ var('duckshred_job')['job_id'] | replace('-', '_') | lower }}
  {%- elif custom_schema_name -%}
    {{ custom_schema_name | trim }}
  {%- else -%}
    {{ target.schema }}
  {%- endif -%}
{%- endmacro %}
