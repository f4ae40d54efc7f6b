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
    to the same date-time. The zone's offset is its fixed one, or the local day's,
    looked up in `java_zone_offsets` by the day's code in `java_zone_day_codes`
    (small lists, computed once a query: a list of every day would be copied into
    every batch; NULL on days near a transition). Every other row (NULL here) takes the Java parser, which
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
      {%- set zone = duckshred_literal(ts.zone) -%}
      {%- set day = '(epoch_ms(' ~ local ~ ') // 86400000)' -%}
      {#- the day's 4-bit code (15 days a list element) picks the zone's offset -#}
      {%- set offset = '(java_zone_offsets(' ~ zone ~ ')[((java_zone_day_codes(' ~ zone ~ ')['
                       ~ day ~ ' // 15 + 1] >> (4 * (' ~ day ~ ' % 15))::INTEGER) & 15) + 1])' -%}
    {%- endif -%}
    coalesce(
        case when strftime({{ local }}, {{ format }}) = {{ text }}
                  and {{ local }} >= TIMESTAMP '1970-01-01'
             then epoch_ms({{ local }}) - 1000 * {{ offset }}
        end,
        {{ default__duckshred_event_ms(ts) }})
  {%- endif -%}
{%- endmacro %}

{#- Spark's own parser is java.time's: it reads a text in the plan's usual shape (the
    plan's `strptime_format` says the Java pattern is one of those) as Java does, the
    session's zone is UTC, and `to_utc_timestamp` resolves the local time in the zone
    by java.time's rules (a gap moves on by its length, an overlap takes the earlier
    offset), as the Java parser does. Only a text that its pattern writes back exactly
    is taken; any other (NULL here) goes to the Java parser, which words the error.
    Measured: the Python parser over every batch was most of the staging model's time. -#}
{% macro spark__duckshred_event_ms(ts) -%}
  {%- if not ts.get('strptime_format') -%}
    {{ default__duckshred_event_ms(ts) }}
  {%- else -%}
    {%- set text = duckshred_ident(ts.field) -%}
    {%- set pattern = duckshred_literal(ts.format) -%}
    {%- set local = 'try_to_timestamp(' ~ text ~ ', ' ~ pattern ~ ')' -%}
    {%- if ts.get('fixed_offset_seconds') is not none -%}
      {%- set epoch_ms = 'unix_millis(' ~ local ~ ') - 1000 * ' ~ ts.fixed_offset_seconds -%}
    {%- else -%}
      {%- set epoch_ms = 'unix_millis(to_utc_timestamp(' ~ local ~ ', ' ~ duckshred_literal(ts.zone) ~ '))' -%}
    {%- endif -%}
    coalesce(
        case when date_format({{ local }}, {{ pattern }}) = {{ text }}
             then {{ epoch_ms }}
        end,
        {{ default__duckshred_event_ms(ts) }})
  {%- endif -%}
{%- endmacro %}
