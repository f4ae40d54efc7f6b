{#- The ciphertext of every distinct (key, PII value) pair of the job.
    Encryption is deterministic, so each pair is encrypted once and joined back
    to its rows: a customer's rows of one day cost one Tink call, not one each. -#}
{%- set job = duckshred_job() -%}

with keyed_values as (
    select distinct rows.__key_value, rows.__key_day, rows.__forgotten
    {%- for field in job.pii_fields %},
        rows.{{ duckshred_ident(field) }} as value_{{ loop.index }}
    {%- endfor %}
    from {{ ref('stg_source_rows') }} as rows
)
{%- for field in job.pii_fields %}
select {{ duckshred_literal(field) }} as field, keys.key_link, pairs.plaintext,
    tink_encrypt(pairs.plaintext, keys.keyset) as ciphertext
from (
    select distinct __key_value, __key_day, __forgotten, value_{{ loop.index }} as plaintext
    from keyed_values
) as pairs
join {{ ref('job_keys') }} as keys using (__key_value, __key_day, __forgotten)
{% if not loop.last %}union all{% endif %}
{%- else %}
select cast(NULL as string) as field, cast(NULL as string) as key_link,
       cast(NULL as string) as plaintext, cast(NULL as string) as ciphertext
where false
{%- endfor %}
