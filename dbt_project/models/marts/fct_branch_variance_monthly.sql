{{
    config(
        engine='MergeTree()',
        order_by='(tenant_id, branch_id, period_start, metric)',
    )
}}

{#- Each branch's IST month against the chain median, its previous month and its target, with the price,
    volume and mix decomposition of its visit revenue change (macros/branch_variance.sql). -#}
{{ branch_variance('month') }}
