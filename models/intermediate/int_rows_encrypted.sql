{#- Each row with its keyLink and, beside every PII plaintext, its ciphertext.
    Encryption is deterministic, so each distinct (key, value) pair is
    encrypted once and joined back: a customer's rows of one day cost one call. -#}
{%- set job = duckshred_job() -%}
{%- set pii_fields = duckshred_pii_fields(job.contract) -%}

with keyed_rows as (
    select rows.*, keys.key_link as __key_link, keys.keyset as __keyset
    from {{ ref('stg_source_rows') }} as rows
    join {{ ref('job_keys') }} as keys
        on keys.__key_value = rows.__key_value and keys.__key_day = rows.__key_day
),
{%- for field, level in pii_fields %}

ciphertexts_{{ loop.index }} as (
    select __key_link, plaintext, tink_encrypt(plaintext, keyset) as ciphertext
    from (
        select __key_link, {{ duckshred_ident(field) }} as plaintext, any_value(__keyset) as keyset
        from keyed_rows
        group by all
    )
),
{%- endfor %}

encrypted as (
    select
        keyed_rows.* exclude (__keyset),
        {%- for field, level in pii_fields %}
        ciphertexts_{{ loop.index }}.ciphertext as {{ duckshred_ident('__ciphertext_' ~ field) }},
        {%- endfor %}
    from keyed_rows
    {%- for field, level in pii_fields %}
    left join ciphertexts_{{ loop.index }}
        on ciphertexts_{{ loop.index }}.__key_link = keyed_rows.__key_link
        and ciphertexts_{{ loop.index }}.plaintext = keyed_rows.{{ duckshred_ident(field) }}
    {%- endfor %}
)

select * from encrypted order by __row_nr
