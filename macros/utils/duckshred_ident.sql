{#- A column name as a quoted SQL identifier (contract names may hold dots or spaces). -#}
{% macro duckshred_ident(name) -%}
  {{ return(adapter.dispatch('duckshred_ident', 'duckshred')(name)) }}
{%- endmacro %}

{% macro default__duckshred_ident(name) -%}
  "{{ name | replace('"', '""') }}"
{%- endmacro %}

{% macro spark__duckshred_ident(name) -%}
  `{{ name | replace('`', '``') }}`
{%- endmacro %}
