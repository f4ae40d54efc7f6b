{#- Every input row as text, numbered, with its event time, UTC key day,
    consent levels, key value and data subject, and whether that subject was
    forgotten (erasure ledger). Plaintext: scratch only.

    Scans and projections only: the row numbers are the rows' order in the file. -#}
{%- set job = duckshred_job() -%}
{%- set contract = job.contract -%}
{%- set ts = job.timestamp -%}
{%- set names = var('duckshred_names') -%}
{{ config(post_hook=["{{ duckshred_keep_source_rejects() }}"]) }}

with source_rows as (
    select
        {{ duckshred_source_row_number() }} as {{ names.row_nr }},
        {%- for column in contract.columns %}
        -- a CSV field can't be NULL: an empty field is the empty string
        coalesce({{ duckshred_ident(column.name) }}, '') as {{ duckshred_ident(column.name) }}
        {{- "," if not loop.last }}
        {%- endfor %}
    {%- if job.get('source_format', 'csv') == 'parquet' %}
    from {{ duckshred_read_source_parquet(job.source_path, contract.columns) }}
    {%- else %}
    from {{ duckshred_read_source_csv(job.source_path, contract.columns) }}
    {%- endif %}
),

-- Subjects in the erasure ledger (hashed once per distinct id): their rows are
-- born shredded, under keys that are never stored.
forgotten_subjects as (
    {%- if contract.get('data_subject_field') %}
    select subject from (
        select distinct {{ duckshred_ident(contract.data_subject_field) }} as subject
        from source_rows
    )
    where exists (select 1 from {{ duckshred_keystore_table('erasure_ledger') }})
      and duckshred_subject_hash(
            subject, (select secret from {{ duckshred_keystore_table('ledger_secret') }} limit 1)
          ) in (select subject_hash from {{ duckshred_keystore_table('erasure_ledger') }})
    {%- else %}
    select cast(NULL as string) as subject where false
    {%- endif %}
)

select
    *,
    -- parsed on every row (a projection: no join of event times)
    {{ duckshred_event_ms(ts) }} as __event_ms,
    {{ duckshred_utc_day('__event_ms') }} as __key_day,
    {{ duckshred_consent_levels(job.consent) }} as __consent_levels,
    {{ duckshred_ident(contract.key_field) }} as __key_value,
    {% if contract.get('data_subject_field') -%}
    {{ duckshred_ident(contract.data_subject_field) }}
    {%- else -%} cast(NULL as string) {%- endif %} as __data_subject,
    {% if contract.get('data_subject_field') -%}
    -- the few forgotten subjects of this file as one list value: no join of the rows
    {{ duckshred_is_listed(duckshred_ident(contract.data_subject_field),
                           'subject', 'forgotten_subjects') }}
    {%- else -%} false {%- endif %} as __forgotten
from source_rows
