{#- The six strmMeta.* columns the reference system appends to every row. -#}
{% macro duckshred_strm_meta_columns(job) -%}
  {{ return(adapter.dispatch('duckshred_strm_meta_columns', 'duckshred')(job)) }}
{%- endmacro %}

{% macro default__duckshred_strm_meta_columns(job) -%}
    {{ duckshred_literal(job.contract.ref) }} as "strmMeta.eventContractRef",
    0 as "strmMeta.nonce",
    __event_ms as "strmMeta.timestamp",
    __key_link as "strmMeta.keyLink",
    NULL::VARCHAR as "strmMeta.billingId",
    '[' || array_to_string(__consent_levels, ',') || ']' as "strmMeta.consentLevels"
{%- endmacro %}
