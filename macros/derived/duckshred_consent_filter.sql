{#- Does a row with consent levels `levels_sql` enter this derived dataset?
    CUMULATIVE [n]: max(levels) >= n. GRANULAR R: R is a subset of levels.
    The rule's shape (one level for CUMULATIVE) is checked once, before any
    run, by ConsentRule in service/config.py, which every plan is made of. -#}
{% macro duckshred_consent_filter(derived, levels_sql) -%}
  {{ return(adapter.dispatch('duckshred_consent_filter', 'duckshred')(derived, levels_sql)) }}
{%- endmacro %}

{% macro default__duckshred_consent_filter(derived, levels_sql) -%}
  {%- if derived.consent_level_type == 'CUMULATIVE' -%}
    coalesce(list_max({{ levels_sql }}) >= {{ derived.consent_levels[0] | int }}, false)
  {%- else -%}
    list_has_all({{ levels_sql }}, [{{ derived.consent_levels | join(', ') }}]::INTEGER[])
  {%- endif -%}
{%- endmacro %}

{% macro spark__duckshred_consent_filter(derived, levels_sql) -%}
  {%- if derived.consent_level_type == 'CUMULATIVE' -%}
    coalesce(array_max({{ levels_sql }}) >= {{ derived.consent_levels[0] | int }}, false)
  {%- else -%}
    coalesce(size(array_except(cast(array({{ derived.consent_levels | join(', ') }}) as array<int>),
                               {{ levels_sql }})) = 0, false)
  {%- endif -%}
{%- endmacro %}
