{#- The ORDER BY that puts an output table's rows in input order (row number, after
    the given leading columns). DuckDB keeps a table's insertion order, so the export
    writes the rows as they are stored and sorts nothing. -#}
{% macro duckshred_input_order(leading=[]) -%}
  {{ return(adapter.dispatch('duckshred_input_order', 'duckshred')(leading)) }}
{%- endmacro %}

{% macro default__duckshred_input_order(leading=[]) -%}
order by {% for column in leading %}{{ column }}, {% endfor %}{{ var('duckshred_names').row_nr }}
{%- endmacro %}

{#- Spark: a table has no order to keep; the Spark runner sorts the outputs by row
    number as it loads them into the warehouse. -#}
{% macro spark__duckshred_input_order(leading=[]) -%}
{%- endmacro %}
