{#- Is `value` one of the values of `column` in the (small) relation `relation`?
    The relation is read once, as one list value, so the rows of a big table are
    tested without a join (a join would scramble their order). -#}
{% macro duckshred_is_listed(value, column, relation) -%}
  {{ return(adapter.dispatch('duckshred_is_listed', 'duckshred')(value, column, relation)) }}
{%- endmacro %}

{% macro default__duckshred_is_listed(value, column, relation) -%}
  list_contains((select coalesce(list({{ column }}), []) from {{ relation }}), {{ value }})
{%- endmacro %}

{% macro spark__duckshred_is_listed(value, column, relation) -%}
  array_contains((select collect_list({{ column }}) from {{ relation }}), {{ value }})
{%- endmacro %}
