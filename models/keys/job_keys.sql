{#- One key per (group, key-field value, UTC day) that this job meets: the
    group's stored key where one exists, else a fresh keyset and keyLink.
    Rows of forgotten subjects (`__forgotten`) get a key of their own per
    (key-field value, day), never a stored one and never stored themselves:
    they are born shredded, and share no key with anyone else's rows even when
    the key field is not the data subject field. -#}
{%- set job = duckshred_job() -%}
-- Runs only once the source passed its checks (the is_empty test on the violations):
-- depends_on: {{ ref('stg_source_violations') }}

with needed as (
    select distinct __key_value, __key_day, __forgotten from {{ ref('stg_source_rows') }}
),

hashed as (
    select __key_value, __key_day, __forgotten, {{ duckshred_sha256('__key_value') }} as key_value_hash
    from needed
),

stored as (
    select key_link, key_value_hash, key_day, keyset, expiry
    from {{ duckshred_keystore_table('encryption_keys') }}
    where group_id = {{ duckshred_literal(job.group_id) }}
)

select
    hashed.__key_value,
    hashed.__key_day,
    hashed.__forgotten,
    hashed.key_value_hash,
    stored.key_link,
    stored.keyset,
    stored.expiry,
    false as is_new
from hashed
join stored
    on stored.key_value_hash = hashed.key_value_hash and stored.key_day = hashed.__key_day
where not hashed.__forgotten

union all

select
    fresh.__key_value,
    fresh.__key_day,
    fresh.__forgotten,
    fresh.key_value_hash,
    cast(uuid() as string) as key_link,
    tink_keyset_new_per_row(fresh.key_value_hash) as keyset,
    -- the UTC midnight that ends the key's day
    {{ duckshred_utc_day_end('fresh.__key_day') }} as expiry,
    true as is_new
from (
    select hashed.* from hashed
    anti join stored
        on stored.key_value_hash = hashed.key_value_hash and stored.key_day = hashed.__key_day
    where not hashed.__forgotten
    union all
    select * from hashed where hashed.__forgotten
) as fresh
