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

{#- Spark: the statements add the job's rows to the pending key store tables
    (see duckshred_keystore_table); the Spark runner commits those into the key
    store file in one transaction once the build has succeeded. Spark runs one
    statement per call; literals never hold a `;` there (spark__duckshred_literal). -#}
{% materialization keystore_commit, adapter='spark' %}
  {{ run_hooks(pre_hooks) }}
  {%- for part in sql.split(';') if part.strip() %}
    {% call statement('main' if loop.last else 'keystore_commit_' ~ loop.index) -%}
      {{ part }}
    {%- endcall %}
  {%- endfor %}
  {{ run_hooks(post_hooks) }}
  {{ return({'relations': []}) }}
{% endmaterialization %}
