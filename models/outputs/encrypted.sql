{#- The encrypted dataset: every PII field encrypted whatever the row's
    consent, other columns as they were, strmMeta appended, in input order. -#}
{%- set job = duckshred_job() -%}
{%- set names = var('duckshred_names') -%}

select
    {{ names.row_nr }},
    {%- for column in job.contract.columns %}
    {% if column.name in job.pii_fields -%}
    {{ duckshred_ident('__ciphertext_' ~ column.name) }} as {{ duckshred_ident(column.name) }},
    {%- else -%}
    {{ duckshred_ident(column.name) }},
    {%- endif -%}
    {%- endfor %}
    {{ duckshred_strm_meta_columns(job) }}
from {{ duckshred_encrypted_rows(job) }} as rows
{{ duckshred_input_order() }}
