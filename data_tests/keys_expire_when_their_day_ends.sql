{#- Every key of the job expires at the UTC midnight that ends its day (SPEC 2.2):
    returns the keys that do not. -#}
{{ config(tags=['audit']) }}
select key_link, __key_day, expiry
from {{ ref('job_keys') }}
where expiry <> timezone('UTC', (__key_day + 1)::timestamp)
