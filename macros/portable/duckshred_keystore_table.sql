{#- A key store table (`encryption_keys`, `data_subject_keys`, `erasure_ledger`,
    `ledger_secret`), to read from or, with for_insert=true, to add the job's rows
    to (the two key tables only).

    DuckDB: the workspace's key store file, attached as `keystore`.
    Spark: there is still ONE key store, the DuckDB file. The Spark runner
    (service/spark_runner.py) puts the job group's stored rows, the erasure ledger and its secret in
    temporary views
    before the run, and after it commits the rows the job added to the pending
    tables into the key store file, in one transaction. -#}
{% macro duckshred_keystore_table(name, for_insert=false) -%}
  {{ return(adapter.dispatch('duckshred_keystore_table', 'duckshred')(name, for_insert)) }}
{%- endmacro %}

{% macro default__duckshred_keystore_table(name, for_insert=false) -%}
  keystore.main.{{ name }}
{%- endmacro %}

{% macro spark__duckshred_keystore_table(name, for_insert=false) -%}
  {%- if for_insert -%}duckshred_keystore_pending.{{ name }}{%- else -%}duckshred_keystore_{{ name }}{%- endif -%}
{%- endmacro %}
