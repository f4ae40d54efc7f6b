{#- Each source row's 1-based position in its file. DuckDB numbers a plain scan in
    file order; Spark needs an order, and its increasing ids follow the file's. -#}
{% macro duckshred_source_row_number() -%}
  {{ return(adapter.dispatch('duckshred_source_row_number', 'duckshred')()) }}
{%- endmacro %}

{% macro default__duckshred_source_row_number() -%}
  row_number() over ()
{%- endmacro %}

{% macro spark__duckshred_source_row_number() -%}
  row_number() over (order by monotonically_increasing_id())
{%- endmacro %}
