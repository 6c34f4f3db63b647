"""The summary a person reads: Markdown (summary.md and its cross-dataset section), the HTML table pages, the
label-equivalence sentences and the numerics warning, from the numbers ``evaluation`` computes.

A layer above evaluation and figures, below stages: nothing in evaluation or figures imports it.
"""
