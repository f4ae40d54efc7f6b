{#- One row per problem in the source that fails the job: malformed CSV lines,
    timestamps that do not parse, values that break a contract validation. The
    `duckshred_is_empty` test on this model fails the job with the first one;
    `job_keys` depends on it, so no key is made for a failed job.
    Messages name the row and never quote a PII value. -#}
{%- set job = duckshred_job() -%}
{%- set ts = job.timestamp -%}
{%- set row_nr = var('duckshred_names').row_nr -%}
{%- set rows = ref('stg_source_rows') -%}

-- depends on the staging model's post-hook, which keeps `stg_source_rejects`
select 0 as priority, line as row_nr,
    'Malformed CSV [' || error_type
    || case when column_name <> '' then ' in column ' || column_name else '' end
    || '] at line ' || line || ' of ' || {{ duckshred_literal(job.source_path) }} as message
from stg_source_rejects

union all

-- The first row of each check: enough to fail the job, and a bad pattern on a
-- big file does not explain every row.
select * from (
select 1 as priority, {{ row_nr }} as row_nr,
    'Invalid timestamp ['
    {%- if ts.field in job.pii_fields %}
    || {{ duckshred_literal("the value of PII field " ~ ts.field ~ " could not be parsed with pattern " ~ ts.format) }}
    {%- else %}
    || java_timestamp_error({{ duckshred_ident(ts.field) }}, {{ duckshred_literal(ts.format) }},
                            {{ duckshred_literal(ts.zone) }})
    {%- endif %}
    || '] in row #' || {{ row_nr }} as message
from {{ rows }}
where __event_ms is null
order by {{ row_nr }}
limit 1
)
{%- for validation in job.contract.get('validations', []) %}

union all

select * from (
select {{ 2 + loop.index0 }} as priority, {{ row_nr }} as row_nr,
    {{ duckshred_literal("Validation failed [field " ~ validation.field ~ " does not match regex " ~ validation.value ~ "] in row #") }}
    || {{ row_nr }} as message
from {{ rows }}
where not {{ duckshred_regexp_full_match(duckshred_ident(validation.field),
                                         duckshred_literal(validation.value)) }}
order by {{ row_nr }}
limit 1
)
{%- endfor %}
