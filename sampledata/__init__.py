"""Sample-data generator for one clinic chain, with the reconciliation ground truth.

See docs/reconciliation.md for the contract the files and `ground_truth.json` follow.
"""

from .sample import write_sample

__all__ = ["write_sample"]
