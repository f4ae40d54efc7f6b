{#- [(column, purpose level)] of the contract's PII columns, in column order. -#}
{% macro duckshred_pii_fields(contract) -%}
  {%- set fields = [] -%}
  {%- for column in contract.columns if column.get('pii') -%}
    {%- do fields.append((column.name, column.purpose_level | int)) -%}
  {%- endfor -%}
  {{ return(fields) }}
{%- endmacro %}
