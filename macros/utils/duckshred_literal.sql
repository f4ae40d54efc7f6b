{#- A Python/Jinja string as a SQL string literal. -#}
{% macro duckshred_literal(text) -%}
  {{ return(adapter.dispatch('duckshred_literal', 'duckshred')(text)) }}
{%- endmacro %}

{% macro default__duckshred_literal(text) -%}
  {%- if text is none -%}NULL{%- else -%}'{{ text | string | replace("'", "''") }}'{%- endif -%}
{%- endmacro %}

{#- Spark reads backslash escapes in literals. A `;` is written as \u003B so that
    a statement list can be split on `;` (see the keystore_commit materialization)
    whatever a job's names and ids hold. -#}
{% macro spark__duckshred_literal(text) -%}
  {%- if text is none -%}NULL{%- else -%}
  '{{ text | string | replace("\\", "\\\\") | replace("'", "\\'") | replace(";", "\\u003B")
      | replace("\n", "\\n") | replace("\r", "\\r") }}'
  {%- endif -%}
{%- endmacro %}
