{#- A Parquet source as text, like a CSV one: every contract column cast to
    VARCHAR (the models work on the text a value prints as), in the contract's order. -#}
{% macro duckshred_read_source_parquet(path, columns) -%}
  {{ return(adapter.dispatch('duckshred_read_source_parquet', 'duckshred')(path, columns)) }}
{%- endmacro %}

{% macro default__duckshred_read_source_parquet(path, columns) -%}
(
    select
      {%- for column in columns %}
      cast({{ duckshred_ident(column.name) }} as varchar) as {{ duckshred_ident(column.name) }}
      {{- "," if not loop.last }}
      {%- endfor %}
    from read_parquet({{ duckshred_literal(path) }})
)
{%- endmacro %}

{% macro spark__duckshred_read_source_parquet(path, columns) -%}
(
    select
      {%- for column in columns %}
      cast({{ duckshred_ident(column.name) }} as string) as {{ duckshred_ident(column.name) }}
      {{- "," if not loop.last }}
      {%- endfor %}
    from parquet.{{ duckshred_ident(path) }}
)
{%- endmacro %}
