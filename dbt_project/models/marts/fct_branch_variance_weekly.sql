{{
    config(
        engine='MergeTree()',
        order_by='(tenant_id, branch_id, period_start, metric)',
    )
}}

{#- Each branch's ISO week (Monday to Sunday, IST days) against the chain median and its previous week, with
    the price, volume and mix decomposition of its visit revenue change (macros/branch_variance.sql).
    Targets are monthly: a week has none. -#}
{{ branch_variance('week') }}
