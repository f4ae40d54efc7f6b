{#- SHA-256 of a text, lower-case hex (the key store's `key_value_hash`). -#}
{% macro duckshred_sha256(text) -%}
  {{ return(adapter.dispatch('duckshred_sha256', 'duckshred')(text)) }}
{%- endmacro %}

{% macro default__duckshred_sha256(text) -%}
  sha256({{ text }})
{%- endmacro %}

{% macro spark__duckshred_sha256(text) -%}
  sha2({{ text }}, 256)
{%- endmacro %}
