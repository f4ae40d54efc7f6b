{#- Is a PII field of purpose level `level` decrypted in this derived dataset?
    CUMULATIVE [n]: level <= n. GRANULAR R: level in R. -#}
{% macro duckshred_is_decrypted(derived, level) -%}
  {%- set kind = derived.consent_level_type | upper -%}
  {%- if kind == 'CUMULATIVE' -%}
    {{ return(level | int <= derived.consent_levels[0] | int) }}
  {%- else -%}
    {{ return(level | int in (derived.consent_levels | map('int') | list)) }}
  {%- endif -%}
{%- endmacro %}
