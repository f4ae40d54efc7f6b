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
