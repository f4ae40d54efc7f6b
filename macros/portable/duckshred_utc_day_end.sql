{#- The instant (UTC midnight) that ends a UTC day: a key's expiry. -#}
{% macro duckshred_utc_day_end(day) -%}
  {{ return(adapter.dispatch('duckshred_utc_day_end', 'duckshred')(day)) }}
{%- endmacro %}

{% macro default__duckshred_utc_day_end(day) -%}
  timezone('UTC', ({{ day }} + 1)::timestamp)
{%- endmacro %}

{% macro spark__duckshred_utc_day_end(day) -%}
  timestamp_seconds((cast(unix_date({{ day }}) as bigint) + 1) * 86400)
{%- endmacro %}
