{#- The branch variance marts (fct_branch_variance_monthly, fct_branch_variance_weekly): each branch's period
    against the chain median, its own previous period and (months only) its target, and the price, volume
    and mix decomposition of its visit revenue change. docs/branch-metrics.md gives the formulas. -#}

{#- The first day of the period (`month` or `week`, ISO weeks from Monday) of a date. -#}
{% macro variance_period_start(period, date_sql) -%}
    {%- if period == 'month' -%} toStartOfMonth({{ date_sql }}) {%- else -%} toMonday({{ date_sql }}) {%- endif -%}
{%- endmacro %}


{#- The period `n` periods after the one starting at `start_sql` (n may be negative). -#}
{% macro variance_period_add(period, start_sql, n) -%}
    {%- if period == 'month' -%} addMonths({{ start_sql }}, {{ n }}) {%- else -%} addWeeks({{ start_sql }}, {{ n }}) {%- endif -%}
{%- endmacro %}


{#- round half up of a × b / c for a, b >= 0 and c > 0, exactly, in integers (Int128: no overflow). -#}
{% macro times_ratio_half_up(a, b, c) -%}
    toInt64(intDiv(2 * toInt128({{ a }}) * toInt128({{ b }}) + toInt128({{ c }}), 2 * toInt128({{ c }})))
{%- endmacro %}


{#- value vs a baseline: the difference, the % difference (of the baseline's magnitude, 4 decimals; null when
    the baseline is 0 or either is null) and whether that is outside ± the band. -#}
{% macro variance_against(baseline, name) -%}
    round(value - {{ baseline }}, 4) as vs_{{ name }}_diff,
    if({{ baseline }} != 0, round((value - {{ baseline }}) / abs({{ baseline }}) * 100, 4), null) as vs_{{ name }}_pct,
    cast(coalesce(abs(vs_{{ name }}_pct) > band_pct, false) as Bool) as is_outside_band_vs_{{ name }}
{%- endmacro %}


{% macro branch_variance(period) -%}
{%- set metrics = [
    ('booking_count', 'booking_count'),
    ('completed_visit_count', 'completed_visit_count'),
    ('no_show_rate', 'if(completed_visit_count + no_show_count > 0, round(no_show_count / (completed_visit_count + no_show_count), 4), null)'),
    ('visit_revenue_paise', 'visit_revenue_paise'),
    ('average_fee_paise', 'if(completed_visit_count > 0, round(visit_revenue_paise / completed_visit_count, 2), null)'),
    ('collected_paise', 'collected_paise'),
    ('refunded_paise', 'refunded_paise'),
    ('message_delivery_rate', 'if(message_sent_count > 0, round(message_delivered_count / message_sent_count, 4), null)'),
    ('admission_count', 'admission_count'),
    ('claims_submitted_count', 'claims_submitted_count'),
] -%}
{%- set sums = ['booking_count', 'completed_visit_count', 'no_show_count', 'visit_revenue_paise', 'collected_paise',
    'refunded_paise', 'message_sent_count', 'message_delivered_count', 'admission_count', 'claims_submitted_count'] -%}
with

daily as (
    select * from {{ ref('fct_branch_daily') }}
    where branch_id != ''
),

as_of as (
    select * from {{ ref('int_as_of_date__resolved') }}
),

{% if period == 'month' %}
targets as (
    select * from {{ ref('int_targets__deduplicated') }}
),
{% endif %}

-- every branch in every period from the tenant's first to its last: a quiet period is a 0, not a gap
tenant_periods as (
    select
        tenant_id,
        min({{ variance_period_start(period, 'activity_date') }}) as first_period,
        max({{ variance_period_start(period, 'activity_date') }}) as last_period
    from daily
    group by tenant_id
),

spine as (
    select
        branches.tenant_id as tenant_id,
        branches.branch_id as branch_id,
        {{ variance_period_add(
            period,
            'tenant_periods.first_period',
            "arrayJoin(range(toUInt32(dateDiff('" ~ period ~ "', tenant_periods.first_period, tenant_periods.last_period) + 1)))"
        ) }} as period_start
    from (select distinct tenant_id, branch_id from daily) as branches
    inner join tenant_periods on branches.tenant_id = tenant_periods.tenant_id
),

totals as (
    select
        tenant_id,
        branch_id,
        {{ variance_period_start(period, 'activity_date') }} as period_start,
        {% for column in sums -%}
        sum({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from daily
    group by tenant_id, branch_id, period_start
),

figures as (
    select
        spine.tenant_id as tenant_id,
        spine.branch_id as branch_id,
        spine.period_start as period_start,
        {% for column in sums -%}
        totals.{{ column }} as {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from spine
    left join totals
        on
            spine.tenant_id = totals.tenant_id
            and spine.branch_id = totals.branch_id
            and spine.period_start = totals.period_start
),

metrics as (
    select
        tenant_id,
        branch_id,
        period_start,
        metric_value.1 as metric,
        metric_value.2 as value
    from figures
    array join [
        {% for name, expression in metrics -%}
        tuple('{{ name }}', cast({{ expression }} as Nullable(Float64))){{ ',' if not loop.last }}
        {% endfor %}
    ] as metric_value
),

chain as (
    select
        tenant_id,
        period_start,
        metric,
        if(count(value) > 0, quantileExactInclusive(0.5)(value), null) as chain_median
    from metrics
    group by tenant_id, period_start, metric
),

with_previous as (
    select
        *,
        row_number() over branch_metric > 1 as has_previous,
        lagInFrame(value, 1) over branch_metric as lagged_value
    from metrics
    window branch_metric as (
        partition by tenant_id, branch_id, metric
        order by period_start
        rows between unbounded preceding and unbounded following
    )
),

decomposed as (
    select * from {{ ref('int_branch_revenue__decomposed') }}
    where period_kind = '{{ period }}'
),

final as (
    select
        cast(with_previous.tenant_id as String) as tenant_id,
        cast(with_previous.branch_id as String) as branch_id,
        cast(with_previous.period_start as Date) as period_start,
        cast({{ variance_period_add(period, 'with_previous.period_start', 1) }} - 1 as Date) as period_end,
        cast(period_end <= as_of.as_of_date as Bool) as is_complete_period,
        cast(with_previous.metric as String) as metric,
        cast(with_previous.value as Nullable(Float64)) as value,
        cast({{ var('variance_band_pct') }} as Float64) as band_pct,
        cast(chain.chain_median as Nullable(Float64)) as chain_median,
        {{ variance_against('chain_median', 'chain_median') }},
        cast(if(with_previous.has_previous, with_previous.lagged_value, null) as Nullable(Float64))
            as previous_value,
        {{ variance_against('previous_value', 'previous') }},
        {% if period == 'month' -%}
        cast(if(targets.metric != '', targets.target, null) as Nullable(Float64)) as target,
        {%- else -%}
        cast(null as Nullable(Float64)) as target,
        {%- endif %}
        {{ variance_against('target', 'target') }},
        -- the decomposition, on the visit revenue row of a period that has a previous one
        with_previous.metric = 'visit_revenue_paise' and with_previous.has_previous as is_revenue,
        -- a period without a visit in it or the one before has no decomposition row: all 0
        if(is_revenue, decomposed.revenue_change_paise, null) as revenue_change_paise,
        if(is_revenue, decomposed.volume_effect_paise, null) as volume_effect_paise,
        if(is_revenue, decomposed.specialty_mix_effect_paise, null) as specialty_mix_effect_paise,
        if(is_revenue, decomposed.doctor_mix_effect_paise, null) as doctor_mix_effect_paise,
        if(is_revenue, decomposed.price_effect_paise, null) as price_effect_paise,
        cast(as_of.as_of_date as Date) as as_of_date
    from with_previous
    inner join chain
        on
            with_previous.tenant_id = chain.tenant_id
            and with_previous.period_start = chain.period_start
            and with_previous.metric = chain.metric
    left join decomposed
        on
            with_previous.tenant_id = decomposed.tenant_id
            and with_previous.branch_id = decomposed.branch_id
            and with_previous.period_start = decomposed.period_start
    {% if period == 'month' -%}
    left join targets
        on
            with_previous.tenant_id = targets.tenant_id
            and with_previous.branch_id = targets.branch_id
            and with_previous.period_start = targets.target_month
            and with_previous.metric = targets.metric
    {%- endif %}
    cross join as_of
)

select
    tenant_id,
    branch_id,
    period_start,
    period_end,
    is_complete_period,
    metric,
    value,
    band_pct,
    chain_median,
    vs_chain_median_diff,
    vs_chain_median_pct,
    is_outside_band_vs_chain_median,
    previous_value,
    vs_previous_diff,
    vs_previous_pct,
    is_outside_band_vs_previous,
    target,
    vs_target_diff,
    vs_target_pct,
    is_outside_band_vs_target,
    cast(revenue_change_paise as Nullable(Int64)) as revenue_change_paise,
    cast(volume_effect_paise as Nullable(Int64)) as volume_effect_paise,
    cast(specialty_mix_effect_paise as Nullable(Int64)) as specialty_mix_effect_paise,
    cast(doctor_mix_effect_paise as Nullable(Int64)) as doctor_mix_effect_paise,
    cast(price_effect_paise as Nullable(Int64)) as price_effect_paise,
    as_of_date
from final
order by tenant_id, branch_id, period_start, metric
{%- endmacro %}


{#- The price, volume and mix decomposition of each branch's visit revenue change from the previous period
    (`month` or `week`), one row per tenant, branch and period with a completed visit in it or in the one
    before, as a query over `visits` (a CTE of int_bookings__profiled's completed visits). R1, R0: this and
    the previous period's revenue; each counterfactual is a sum of integer terms rounded half up, and each
    effect is the difference of two of them, so the effects telescope to R1 - R0 exactly:
    V (this period's visits at the previous average fee), C_s (each specialty's visits at its previous
    average fee), C_d (each doctor's at their previous fee); volume = V - R0, specialty mix = C_s - V,
    doctor mix = C_d - C_s, price = R1 - C_d. -#}
{% macro revenue_decomposition(period, visits) -%}
with

-- the revenue decomposition: visits per doctor (within specialty) in the period and in the one before
doctor_visits as (
    select
        tenant_id,
        branch_id,
        {{ variance_period_start(period, 'assumeNotNull(outcome_date)') }} as period_start,
        specialty,
        doctor_id,
        count() as visit_count,
        sum(fee_paise) as revenue_paise
    from {{ visits }}
    group by tenant_id, branch_id, period_start, specialty, doctor_id
),

doctor_pairs as (
    select
        tenant_id,
        branch_id,
        pair_period_start as period_start,
        specialty,
        doctor_id,
        sum(n1) as n1,
        sum(r1) as r1,
        sum(n0) as n0,
        sum(r0) as r0
    from (
        select
            tenant_id,
            branch_id,
            period_start as pair_period_start,
            specialty,
            doctor_id,
            visit_count as n1,
            revenue_paise as r1,
            0 as n0,
            0 as r0
        from doctor_visits
        union all
        select
            tenant_id,
            branch_id,
            {{ variance_period_add(period, 'period_start', 1) }} as pair_period_start,
            specialty,
            doctor_id,
            0 as n1,
            0 as r1,
            visit_count as n0,
            revenue_paise as r0
        from doctor_visits
    )
    group by tenant_id, branch_id, pair_period_start, specialty, doctor_id
),

doctor_terms as (
    select
        *,
        sum(n1) over specialty_window as s_n1,
        sum(r1) over specialty_window as s_r1,
        sum(n0) over specialty_window as s_n0,
        sum(r0) over specialty_window as s_r0,
        sum(n1) over branch_window as b_n1,
        sum(r1) over branch_window as b_r1,
        sum(n0) over branch_window as b_n0,
        sum(r0) over branch_window as b_r0,
        -- this period's visits of the doctor at the previous period's fee: the doctor's own, else the
        -- specialty's average, else the branch's; with no visit before, at this period's fees
        multiIf(
            n0 > 0, {{ times_ratio_half_up('n1', 'r0', 'n0') }},
            s_n0 > 0, {{ times_ratio_half_up('n1', 's_r0', 's_n0') }},
            b_n0 > 0, {{ times_ratio_half_up('n1', 'b_r0', 'b_n0') }},
            r1
        ) as doctor_term,
        -- once per specialty (its first doctor row): its visits at its previous average fee
        row_number() over specialty_window = 1 as is_specialty_row
    from doctor_pairs
    window
        specialty_window as (partition by tenant_id, branch_id, period_start, specialty),
        branch_window as (partition by tenant_id, branch_id, period_start)
),

sums as (
    select
        tenant_id,
        branch_id,
        period_start,
        toInt64(any(b_r1)) as revenue_paise,
        toInt64(any(b_r0)) as previous_revenue_paise,
        -- V: this period's visit count at the previous period's average fee
        toInt64(any(if(b_n0 > 0, {{ times_ratio_half_up('b_n1', 'b_r0', 'b_n0') }}, b_r1))) as at_previous_average,
        -- C_s: each specialty's visits at its previous average fee
        toInt64(sumIf(
            multiIf(
                s_n0 > 0, {{ times_ratio_half_up('s_n1', 's_r0', 's_n0') }},
                b_n0 > 0, {{ times_ratio_half_up('s_n1', 'b_r0', 'b_n0') }},
                s_r1
            ),
            is_specialty_row
        )) as at_previous_specialty_fees,
        -- C_d: each doctor's visits at their previous fee
        toInt64(sum(doctor_term)) as at_previous_doctor_fees
    from doctor_terms
    group by tenant_id, branch_id, period_start
)

select
    tenant_id,
    branch_id,
    '{{ period }}' as period_kind,
    period_start,
    revenue_paise,
    previous_revenue_paise,
    at_previous_average,
    at_previous_specialty_fees,
    at_previous_doctor_fees,
    revenue_paise - previous_revenue_paise as revenue_change_paise,
    at_previous_average - previous_revenue_paise as volume_effect_paise,
    at_previous_specialty_fees - at_previous_average as specialty_mix_effect_paise,
    at_previous_doctor_fees - at_previous_specialty_fees as doctor_mix_effect_paise,
    revenue_paise - at_previous_doctor_fees as price_effect_paise
from sums
{%- endmacro %}
