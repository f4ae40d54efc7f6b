{#- The encrypted dataset: every PII field encrypted whatever the row's
    consent, other columns as they were, strmMeta appended, input order kept. -#}
{%- set job = duckshred_job() -%}
{%- set pii = duckshred_pii_fields(job.contract) | map(attribute=0) | list -%}

select
    __row_nr,
    {%- for column in job.contract.columns %}
    {% if column.name in pii -%}
    {{ duckshred_ident('__ciphertext_' ~ column.name) }} as {{ duckshred_ident(column.name) }},
    {%- else -%}
    {{ duckshred_ident(column.name) }},
    {%- endif -%}
    {%- endfor %}
    {{ duckshred_strm_meta_columns(job) }}
from {{ duckshred_encrypted_rows(job) }} as rows
order by __row_nr
