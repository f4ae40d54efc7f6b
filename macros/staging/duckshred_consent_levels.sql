{#- A row's consent levels (INTEGER[]): an exact field pattern, else the value
    parsed as "[1,2]" or "1", else the job's default levels. -#}
{% macro duckshred_consent_levels(consent) -%}
  {{ return(adapter.dispatch('duckshred_consent_levels', 'duckshred')(consent)) }}
{%- endmacro %}

{% macro default__duckshred_consent_levels(consent) -%}
  {%- set default_levels = '[' ~ (consent.default_levels | join(', ')) ~ ']::INTEGER[]' -%}
  {%- if not consent.get('field') -%}
    {{ default_levels }}
  {%- else -%}
    {%- set value = duckshred_ident(consent.field) -%}
    coalesce(
      {%- if consent.get('patterns') %}
      CASE {{ value }}
        {%- for pattern, levels in consent.patterns.items() %}
        WHEN {{ duckshred_literal(pattern) }} THEN [{{ levels | join(', ') }}]::INTEGER[]
        {%- endfor %}
      END,
      {%- endif %}
      CASE
        WHEN regexp_full_match(trim({{ value }}), '\[\s*(\d+(\s*,\s*\d+)*)?\s*\]')
          THEN try_cast(trim({{ value }}) AS INTEGER[])
        WHEN regexp_full_match(trim({{ value }}), '\d+')
          THEN [try_cast(trim({{ value }}) AS INTEGER)]
      END,
      {{ default_levels }}
    )
  {%- endif -%}
{%- endmacro %}

{% macro spark__duckshred_consent_levels(consent) -%}
  {%- set default_levels = 'cast(array(' ~ (consent.default_levels | join(', ')) ~ ') as array<int>)' -%}
  {%- if not consent.get('field') -%}
    {{ default_levels }}
  {%- else -%}
    {%- set value = 'trim(' ~ duckshred_ident(consent.field) ~ ')' -%}
    coalesce(
      {%- if consent.get('patterns') %}
      CASE {{ duckshred_ident(consent.field) }}
        {%- for pattern, levels in consent.patterns.items() %}
        WHEN {{ duckshred_literal(pattern) }} THEN cast(array({{ levels | join(', ') }}) as array<int>)
        {%- endfor %}
      END,
      {%- endif %}
      {%- set numbers = "split(regexp_replace(" ~ value ~ ", '[\\\\[\\\\]\\\\s]', ''), ',')" %}
      CASE
        WHEN {{ value }} rlike '^\\[\\s*\\]$' THEN cast(array() as array<int>)
        {#- as DuckDB's try_cast to INTEGER[]: a number out of range is a NULL level #}
        WHEN {{ value }} rlike '^\\[\\s*(\\d+(\\s*,\\s*\\d+)*)?\\s*\\]$'
          THEN transform({{ numbers }}, level -> try_cast(level as int))
        WHEN {{ value }} rlike '^\\d+$'
          THEN array(try_cast({{ value }} as int))
      END,
      {{ default_levels }}
    )
  {%- endif -%}
{%- endmacro %}
