{#- The job's new keys, and the data-subject index rows they need, committed
    to the key store together; born-shredded keys (forgotten subjects) never. It must run last (a job that failed makes no
    keys), hence the explicit dependencies on both outputs: -#}
{%- set job = duckshred_job() %}
-- depends_on: {{ ref('encrypted') }}, {{ ref('derived') }}

INSERT INTO {{ duckshred_keystore_table('encryption_keys', for_insert=true) }}
SELECT key_link, {{ duckshred_literal(job.group_id) }}, key_value_hash, __key_day, expiry, keyset,
       {{ duckshred_literal(job.job_id) }}
FROM {{ ref('job_keys') }}
WHERE is_new AND NOT __forgotten;

{% if job.contract.get('data_subject_field') -%}
INSERT INTO {{ duckshred_keystore_table('data_subject_keys', for_insert=true) }}
SELECT rows.__data_subject, keys.key_link, keys.expiry, {{ duckshred_literal(job.job_id) }}
FROM (
    SELECT DISTINCT __data_subject, __key_value, __key_day, __forgotten
    FROM {{ ref('stg_source_rows') }}
    WHERE NOT __forgotten
) AS rows
JOIN {{ ref('job_keys') }} AS keys USING (__key_value, __key_day, __forgotten)
ANTI JOIN {{ duckshred_keystore_table('data_subject_keys') }} AS known
    ON known.data_subject = rows.__data_subject AND known.key_link = keys.key_link;
{%- endif %}
