{#- Is a PII field of purpose level `level` decrypted in this derived dataset?
    CUMULATIVE [n]: level <= n. GRANULAR R: level in R. -#}
{% macro duckshred_is_decrypted(derived, level) -%}
  {%- if derived.consent_level_type == 'CUMULATIVE' -%}
    {{ return(level | int <= derived.consent_levels[0] | int) }}
  {%- else -%}
    {{ return(level | int in (derived.consent_levels | map('int') | list)) }}
  {%- endif -%}
{%- endmacro %}
