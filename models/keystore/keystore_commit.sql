{#- The job's new keys, and the data-subject index rows they need, committed
    to the key store together. Runs last: a job that failed made no keys.
    depends_on: {{ ref('encrypted') }} {{ ref('derived') }} -#}
{%- set job = duckshred_job() -%}

INSERT INTO keystore.main.encryption_keys
SELECT key_link, {{ duckshred_literal(job.group_id) }}, key_value_hash, __key_day, expiry, keyset,
       {{ duckshred_literal(job.job_id) }}
FROM {{ ref('job_keys') }}
WHERE is_new;

{% if job.contract.get('data_subject_field') -%}
INSERT INTO keystore.main.data_subject_keys
SELECT DISTINCT rows.__data_subject, rows.__key_link, keys.expiry, {{ duckshred_literal(job.job_id) }}
FROM {{ ref('int_rows_encrypted') }} AS rows
JOIN {{ ref('job_keys') }} AS keys ON keys.key_link = rows.__key_link
ANTI JOIN keystore.main.data_subject_keys AS known
    ON known.data_subject = rows.__data_subject AND known.key_link = rows.__key_link;
{%- endif %}
