{#- Every input row as text, numbered, with its event time, UTC key day,
    consent levels, key value and data subject. Plaintext: scratch only. -#}
{%- set job = duckshred_job() -%}
{%- set contract = job.contract -%}
{%- set ts = job.timestamp -%}
{%- set names = var('duckshred_names') -%}
{{ config(post_hook="{{ duckshred_assert_source_rows(duckshred_job()) }}") }}

with source_rows as (
    select
        row_number() over () as {{ names.row_nr }},
        {%- for column in contract.columns %}
        -- a CSV field can't be NULL: an empty field is the empty string
        coalesce({{ duckshred_ident(column.name) }}, '') as {{ duckshred_ident(column.name) }},
        {%- endfor %}
    from {{ duckshred_read_source_csv(job.source_path, contract.columns) }}
),

-- Parsed once per distinct text: a batch has far fewer timestamps than rows.
event_times as (
    select
        timestamp_text,
        java_timestamp_epoch_ms(
            timestamp_text, {{ duckshred_literal(ts.format) }}, {{ duckshred_literal(ts.zone) }}
        ) as event_ms
    from (select distinct {{ duckshred_ident(ts.field) }} as timestamp_text from source_rows)
)

select
    source_rows.*,
    event_times.event_ms as __event_ms,
    epoch_ms(event_times.event_ms)::date as __key_day,
    {{ duckshred_consent_levels(job.consent) }} as __consent_levels,
    source_rows.{{ duckshred_ident(contract.key_field) }} as __key_value,
    {% if contract.get('data_subject_field') -%}
    source_rows.{{ duckshred_ident(contract.data_subject_field) }}
    {%- else -%} NULL::VARCHAR {%- endif %} as __data_subject
from source_rows
left join event_times
    on event_times.timestamp_text = source_rows.{{ duckshred_ident(ts.field) }}
