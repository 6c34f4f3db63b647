"""Evaluation: inference, metrics (each defined once), bootstrap, embeddings and probes, the summary's tables of
numbers. The text a person reads of them is ``cxrcontrast.summary``'s.

Nothing here imports the training package: a trained model is all inference needs.
"""
