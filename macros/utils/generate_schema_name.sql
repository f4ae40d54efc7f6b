{#- A custom schema is used as written (`jobs`), not prefixed with the target's. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name -%}
    {{ custom_schema_name | trim }}
  {%- else -%}
    {{ target.schema }}
  {%- endif -%}
{%- endmacro %}
