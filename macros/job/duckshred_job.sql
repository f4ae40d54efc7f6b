{#- The batch job plan (the `duckshred_job` var), checked once so models can trust it. -#}
{% macro duckshred_job() -%}
  {%- set job = var('duckshred_job') -%}
  {%- for required in ['job_id', 'group_id', 'source_path', 'contract', 'timestamp', 'consent', 'derived'] -%}
    {%- if job.get(required) is none -%}
      {{ exceptions.raise_compiler_error("duckshred_job var: missing `" ~ required ~ "`") }}
    {%- endif -%}
  {%- endfor -%}
  {{ return(job) }}
{%- endmacro %}
