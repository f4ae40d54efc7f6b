{#- The job's rows with their keyLink and, beside each PII plaintext, its
    ciphertext (`__ciphertext_<field>`): the relation both output models select from.
    The lookups are hash joins against the job's keys and the distinct (key, value)
    ciphertexts, both small, probed in parallel by the rows; a join does not keep row
    order, so each output puts its rows back in input order (duckshred_input_order).
    Measured: that sort of the wide rows costs less than pairing them by position with
    pre-sorted narrow columns, which DuckDB scans on one thread. -#}
{% macro duckshred_encrypted_rows(job) -%}
(
    select
        rows.*,
        keys.key_link as __key_link
        {%- for field in job.pii_fields %},
        ciphertexts_{{ loop.index }}.ciphertext as {{ duckshred_ident('__ciphertext_' ~ field) }}
        {%- endfor %}
    from {{ ref('stg_source_rows') }} as rows
    join {{ ref('job_keys') }} as keys
        on keys.__key_value = rows.__key_value and keys.__key_day = rows.__key_day
        and keys.__forgotten = rows.__forgotten
    {%- for field in job.pii_fields %}
    left join {{ ref('pii_ciphertexts') }} as ciphertexts_{{ loop.index }}
        on ciphertexts_{{ loop.index }}.field = {{ duckshred_literal(field) }}
        and ciphertexts_{{ loop.index }}.key_link = keys.key_link
        and ciphertexts_{{ loop.index }}.plaintext = rows.{{ duckshred_ident(field) }}
    {%- endfor %}
)
{%- endmacro %}
