"""One export framework: datasets (a mart, optionally some branches, over a period) written in any format
of the registry (`formats`), packed into signed, audited bundles (`bundle`) described by YAML specs."""
