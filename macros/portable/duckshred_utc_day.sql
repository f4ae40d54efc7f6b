{#- The UTC day (DATE) of an epoch-milliseconds value, whatever the session's time zone. -#}
{% macro duckshred_utc_day(epoch_ms) -%}
  {{ return(adapter.dispatch('duckshred_utc_day', 'duckshred')(epoch_ms)) }}
{%- endmacro %}

{% macro default__duckshred_utc_day(epoch_ms) -%}
  epoch_ms({{ epoch_ms }})::date
{%- endmacro %}

{% macro spark__duckshred_utc_day(epoch_ms) -%}
  date_from_unix_date(cast(floor({{ epoch_ms }} / 86400000) as int))
{%- endmacro %}
