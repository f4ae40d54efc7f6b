{#- Does a row with consent levels `levels_sql` enter this derived dataset?
    CUMULATIVE [n]: max(levels) >= n. GRANULAR R: R is a subset of levels. -#}
{% macro duckshred_consent_filter(derived, levels_sql) -%}
  {{ return(adapter.dispatch('duckshred_consent_filter', 'duckshred')(derived, levels_sql)) }}
{%- endmacro %}

{% macro default__duckshred_consent_filter(derived, levels_sql) -%}
  {%- set kind = derived.consent_level_type | upper -%}
  {%- set requested = derived.consent_levels -%}
  {%- if kind == 'CUMULATIVE' -%}
    {%- if requested | length != 1 -%}
      {{ exceptions.raise_compiler_error("CUMULATIVE derived data takes exactly one consent level, got " ~ requested) }}
    {%- endif -%}
    coalesce(list_max({{ levels_sql }}) >= {{ requested[0] | int }}, false)
  {%- elif kind == 'GRANULAR' -%}
    list_has_all({{ levels_sql }}, [{{ requested | join(', ') }}]::INTEGER[])
  {%- else -%}
    {{ exceptions.raise_compiler_error("consent_level_type must be CUMULATIVE or GRANULAR, got " ~ kind) }}
  {%- endif -%}
{%- endmacro %}
