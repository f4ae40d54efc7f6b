{#- Runs the model's statements in ONE transaction on the key store (dbt has
    opened it for the model): the job's new keys and their data-subject index
    rows appear together or not at all. It is the last model of a job, so a
    job that failed earlier makes no keys. -#}
{% materialization keystore_commit, adapter='duckdb' %}
  {{ run_hooks(pre_hooks) }}
  {% call statement('main') -%}
    {{ sql }}
  {%- endcall %}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks) }}
  {{ return({'relations': []}) }}
{% endmaterialization %}
