{#- Burn-rate alerting: the SRE Workbook defaults, the longest window in force, throughput objectives. -#}

{#- The default multi-window, multi-burn-rate alerts of Google's SRE Workbook ("Alerting on
    SLOs"): (long window, short window, burn-rate threshold, severity), in minutes. An SLO with
    AlertPolicy conditions in the catalog uses those instead. -#}
{% macro slm_default_burn_alerts() -%}
    {{ return([(60, 5, 14.4, 'page'), (360, 30, 6, 'page'), (1440, 120, 3, 'ticket'), (4320, 360, 1, 'ticket')]) }}
{%- endmacro %}

{#- Whole days spanned by the longest burn-rate alert window in force (at least 1). -#}
{% macro slm_longest_alert_days() -%}
    {%- if not execute -%}
        {{ return(1) }}
    {%- endif -%}
    {%- set rows = run_query("select max(long_minutes) from " ~ ref('int_burn_alerts_configured')) -%}
    {%- set minutes = rows.rows[0][0] or 1440 -%}
    {{ return(((minutes + 1439) // 1440) | int) }}
{%- endmacro %}

{#- 1 when a slice's event count meets a throughput objective (`op` one of < <= > >=), else 0;
    `empty` is returned when there is no such objective (op null). -#}
{% macro slm_count_meets(count, op, value, empty=0) -%}
    case
        when {{ op }} is null then {{ empty }}
        when {{ op }} = '>=' and {{ count }} >= {{ value }} then 1
        when {{ op }} = '>' and {{ count }} > {{ value }} then 1
        when {{ op }} = '<=' and {{ count }} <= {{ value }} then 1
        when {{ op }} = '<' and {{ count }} < {{ value }} then 1
        else 0
    end
{%- endmacro %}
