{#- Does the whole of `text` match the regular expression `pattern` (a SQL literal)? -#}
{% macro duckshred_regexp_full_match(text, pattern) -%}
  {{ return(adapter.dispatch('duckshred_regexp_full_match', 'duckshred')(text, pattern)) }}
{%- endmacro %}

{% macro default__duckshred_regexp_full_match(text, pattern) -%}
  regexp_full_match({{ text }}, {{ pattern }})
{%- endmacro %}

{#- Java regular expressions: anchored around a non-capturing group, so that an
    alternation in the pattern stays inside the anchors. -#}
{% macro spark__duckshred_regexp_full_match(text, pattern) -%}
  ({{ text }} rlike concat('^(?:', {{ pattern }}, ')$'))
{%- endmacro %}
