{#- The job's rows with their keyLink and, beside each PII plaintext, its
    ciphertext (`__ciphertext_<field>`): the relation both output models select from. -#}
{% macro duckshred_encrypted_rows(job) -%}
  {{ return(adapter.dispatch('duckshred_encrypted_rows', 'duckshred')(job)) }}
{%- endmacro %}

{% macro default__duckshred_encrypted_rows(job) -%}
{#- Both tables are in input order with one row per input row: a positional join
    pairs them row by row and keeps that order (no sort, no hash join). -#}
(
    select
        rows.*,
        row_keys.__key_link
        {%- for field in job.pii_fields %},
        row_keys.{{ duckshred_ident('__ciphertext_' ~ field) }}
        {%- endfor %}
    from {{ ref('stg_source_rows') }} as rows
    positional join {{ ref('row_keys') }} as row_keys
)
{%- endmacro %}

{#- Spark: its tables have no order to pair rows by; they are paired by row number
    (the outputs are put in input order when the Spark runner loads them). -#}
{% macro spark__duckshred_encrypted_rows(job) -%}
(
    select
        rows.*,
        row_keys.__key_link
        {%- for field in job.pii_fields %},
        row_keys.{{ duckshred_ident('__ciphertext_' ~ field) }}
        {%- endfor %}
    from {{ ref('stg_source_rows') }} as rows
    join {{ ref('row_keys') }} as row_keys
        on row_keys.{{ var('duckshred_names').row_nr }} = rows.{{ var('duckshred_names').row_nr }}
)
{%- endmacro %}
