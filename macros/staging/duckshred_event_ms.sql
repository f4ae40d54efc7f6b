{#- A row's event time, epoch milliseconds (NULL when its text does not parse):
    Java's pattern read by `java_timestamp_epoch_ms` (duckshred.javatime). -#}
{% macro duckshred_event_ms(ts) -%}
  {{ return(adapter.dispatch('duckshred_event_ms', 'duckshred')(ts)) }}
{%- endmacro %}

{% macro default__duckshred_event_ms(ts) -%}
java_timestamp_epoch_ms({{ duckshred_ident(ts.field) }}, {{ duckshred_literal(ts.format) }},
                        {{ duckshred_literal(ts.zone) }})
{%- endmacro %}

{#- DuckDB parses the texts that its strptime format (the plan's, from
    duckshred.javatime.native) writes back exactly, from 1970 on: Java reads those
    to the same date-time. The zone's offset is its fixed one, or the local day's
    from `java_zone_day_offsets` (one list, computed once a query; NULL on days
    near a transition). Every other row (NULL here) takes the Java parser, which
    also words the error of a text that does not parse. No Python runs on the
    rows of a file in a usual shape. -#}
{% macro duckdb__duckshred_event_ms(ts) -%}
  {%- if not ts.get('strptime_format') -%}
    {{ default__duckshred_event_ms(ts) }}
  {%- else -%}
    {%- set text = duckshred_ident(ts.field) -%}
    {%- set format = duckshred_literal(ts.strptime_format) -%}
    {%- set local = 'try_strptime(' ~ text ~ ', ' ~ format ~ ')' -%}
    {%- if ts.get('fixed_offset_seconds') is not none -%}
      {%- set offset = ts.fixed_offset_seconds -%}
    {%- else -%}
      {%- set offset = 'java_zone_day_offsets(' ~ duckshred_literal(ts.zone) ~ ')[epoch_ms('
                       ~ local ~ ') // 86400000 + 1]' -%}
    {%- endif -%}
    coalesce(
        case when strftime({{ local }}, {{ format }}) = {{ text }}
                  and {{ local }} >= TIMESTAMP '1970-01-01'
             then epoch_ms({{ local }}) - 1000 * {{ offset }}
        end,
        {{ default__duckshred_event_ms(ts) }})
  {%- endif -%}
{%- endmacro %}
