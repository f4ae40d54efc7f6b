{#- Each row's keyLink and PII ciphertexts, by row number, in input order.
    The lookups are joins, and a join does not keep row order: it is these few
    narrow columns that are put back in order, never the wide rows, which the
    outputs take from staging as they are and pair with these by position. -#}
{%- set job = duckshred_job() -%}
{%- set names = var('duckshred_names') -%}

select
    rows.{{ names.row_nr }},
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
order by rows.{{ names.row_nr }}
