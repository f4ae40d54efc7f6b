{#- The source CSV as text, exactly as written: every column VARCHAR, the header
    skipped (it was checked against the contract before the run), malformed
    lines collected in `reject_errors` rather than quoted in an error message
    (DuckDB's own message would print the line, i.e. plaintext PII). -#}
{% macro duckshred_read_source_csv(path, columns) -%}
  {{ return(adapter.dispatch('duckshred_read_source_csv', 'duckshred')(path, columns)) }}
{%- endmacro %}

{% macro default__duckshred_read_source_csv(path, columns) -%}
read_csv(
    {{ duckshred_literal(path) }},
    header = true,
    auto_detect = false,
    delim = ',',
    quote = '"',
    escape = '"',
    strict_mode = true,
    store_rejects = true,
    columns = {
      {%- for column in columns %}
      {{ duckshred_literal(column.name) }}: 'VARCHAR'{{ "," if not loop.last }}
      {%- endfor %}
    }
)
{%- endmacro %}

{#- Spark: a temporary view over the file, every column a string, quotes doubled
    as in RFC 4180 (Spark's default escape is a backslash), quoted line breaks
    kept. A malformed line fills `__malformed` (listed by the staging post-hook)
    instead of failing with Spark's message, which would quote the line. -#}
{% macro spark__duckshred_read_source_csv(path, columns) -%}
  {%- set view = 'duckshred_source_csv' -%}
  {%- if execute -%}
    {%- call statement('duckshred_source_csv') -%}
      create or replace temporary view {{ view }} (
        {%- for column in columns %}
        {{ duckshred_ident(column.name) }} string,
        {%- endfor %}
        __malformed string
      )
      using csv
      options (
        path {{ duckshred_literal(path) }},
        header 'true',
        enforceSchema 'true',
        sep ',',
        quote '"',
        escape '"',
        multiLine 'true',
        encoding 'UTF-8',
        mode 'PERMISSIVE',
        columnNameOfCorruptRecord '__malformed'
      )
    {%- endcall -%}
  {%- endif -%}
  {{ view }}
{%- endmacro %}
