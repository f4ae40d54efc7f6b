{#- The job's rows with their keyLink and, beside each PII plaintext, its
    ciphertext (`__ciphertext_<field>`): the relation both output models select from. -#}
{% macro duckshred_encrypted_rows(job) -%}
  {{ return(adapter.dispatch('duckshred_encrypted_rows', 'duckshred')(job)) }}
{%- endmacro %}

{% macro default__duckshred_encrypted_rows(job) -%}
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
