{#- Every derived dataset of the job, one after another (`__derived_index`):
    rows of forgotten subjects dropped (they are born shredded), rows kept by their consent, PII decrypted where the purpose allows it (the
    plaintext is already known here, so nothing is decrypted), other PII left
    encrypted, then the masked columns hashed. Stored by dataset, then in input order. -#}
{%- set job = duckshred_job() -%}
{%- set names = var('duckshred_names') -%}
{%- set pii = job.pii_fields -%}

{%- for derived in job.derived %}
select
    {{ loop.index0 }} as {{ names.derived_index }},
    {{ names.row_nr }},
    {%- for column in job.contract.columns %}
    {%- set name = column.name %}
    {%- if name in pii and not duckshred_is_decrypted(derived, pii[name]) %}
      {%- set value = duckshred_ident('__ciphertext_' ~ name) %}
    {%- else %}
      {%- set value = duckshred_ident(name) %}
    {%- endif %}
    {%- if name in derived.get('masked_fields', []) %}
    strm_mask({{ value }}, {{ duckshred_literal(derived.get('mask_seed', '')) }}) as {{ duckshred_ident(name) }},
    {%- else %}
    {{ value }} as {{ duckshred_ident(name) }},
    {%- endif %}
    {%- endfor %}
    {{ duckshred_strm_meta_columns(job) }}
from {{ duckshred_encrypted_rows(job) }} as rows
where not rows.__forgotten and {{ duckshred_consent_filter(derived, '__consent_levels') }}
{% if not loop.last %}union all{% endif %}
{%- else %}
{#- a job without derived data still gets the (empty) table -#}
select 0 as {{ names.derived_index }}, {{ names.row_nr }},
    {%- for column in job.contract.columns %} {{ duckshred_ident(column.name) }},{% endfor %}
    {{ duckshred_strm_meta_columns(job) }}
from {{ duckshred_encrypted_rows(job) }} as rows where false
{%- endfor %}
{{ duckshred_input_order([names.derived_index]) }}
