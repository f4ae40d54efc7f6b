{#- Spark: each source row's 1-based position in its file. Spark needs an order, and
    its increasing ids follow the file's. (DuckDB numbers rows by their place in the
    staging scratch table: see duckshred_numbered_source.) -#}
{% macro duckshred_source_row_number() -%}
  row_number() over (order by monotonically_increasing_id())
{%- endmacro %}
