{#- Generic test: the model (a violations model) must have no rows. On failure the
    first violation's message (ordered by `order_by`), which names the row but never
    quotes PII, becomes the error, marked so the job runner shows it as the job's
    error. Models that must not run after a violation depend on the tested model. -#}
{% test duckshred_is_empty(model, message_column='message', order_by='priority, row_nr') %}
  {%- if execute -%}
    {%- set first = run_query("select " ~ message_column ~ " from " ~ model
                              ~ " order by " ~ order_by ~ " limit 1") -%}
    {%- if first.rows | length > 0 -%}
      {{ exceptions.raise_compiler_error("DUCKSHRED_JOB_ERROR " ~ first.rows[0][0]) }}
    {%- endif -%}
  {%- endif -%}
  select * from {{ model }}
{% endtest %}
