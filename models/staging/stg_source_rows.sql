{#- Every input row as text, numbered, with its event time, UTC key day,
    consent levels, key value and data subject, and whether that subject was
    forgotten (erasure ledger). Plaintext: scratch only.

    Scans and projections only: the row numbers are the rows' order in the file. -#}
{%- set job = duckshred_job() -%}
{%- set contract = job.contract -%}
{%- set ts = job.timestamp -%}
{%- set names = var('duckshred_names') -%}
{#- The scratch table is committed before the model's transaction: rows appended in an
    open transaction get provisional rowids, and its rowids number the rows. -#}
{{ config(pre_hook=[{"sql": "{{ duckshred_stage_source(true) }}", "transaction": false}],
          post_hook=["{{ duckshred_keep_source_rejects() }}",
                     "{{ duckshred_stage_source(false) }}"]) }}

with source_rows as (
    select * from {{ duckshred_numbered_source(job) }}
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
