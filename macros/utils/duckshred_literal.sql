{#- A Python/Jinja string as a SQL string literal. -#}
{% macro duckshred_literal(text) -%}
  {{ return(adapter.dispatch('duckshred_literal', 'duckshred')(text)) }}
{%- endmacro %}

{% macro default__duckshred_literal(text) -%}
  {%- if text is none -%}NULL{%- else -%}'{{ text | string | replace("'", "''") }}'{%- endif -%}
{%- endmacro %}
