{#- The six strmMeta.* columns the reference system appends to every row
    (their names: the `duckshred_names` var). -#}
{% macro duckshred_strm_meta_columns(job) -%}
  {{ return(adapter.dispatch('duckshred_strm_meta_columns', 'duckshred')(job)) }}
{%- endmacro %}

{% macro default__duckshred_strm_meta_columns(job) -%}
    {%- set meta = var('duckshred_names').strm_meta %}
    {{ duckshred_literal(job.contract.ref) }} as {{ duckshred_ident(meta.event_contract_ref) }},
    0 as {{ duckshred_ident(meta.nonce) }},
    __event_ms as {{ duckshred_ident(meta.timestamp) }},
    __key_link as {{ duckshred_ident(meta.key_link) }},
    NULL::VARCHAR as {{ duckshred_ident(meta.billing_id) }},
    '[' || array_to_string(__consent_levels, ',') || ']' as {{ duckshred_ident(meta.consent_levels) }}
{%- endmacro %}

{% macro spark__duckshred_strm_meta_columns(job) -%}
    {%- set meta = var('duckshred_names').strm_meta %}
    {{ duckshred_literal(job.contract.ref) }} as {{ duckshred_ident(meta.event_contract_ref) }},
    0 as {{ duckshred_ident(meta.nonce) }},
    __event_ms as {{ duckshred_ident(meta.timestamp) }},
    __key_link as {{ duckshred_ident(meta.key_link) }},
    cast(NULL as string) as {{ duckshred_ident(meta.billing_id) }},
    concat('[', array_join(__consent_levels, ','), ']') as {{ duckshred_ident(meta.consent_levels) }}
{%- endmacro %}
