"""Evaluation: inference, metrics (each defined once), bootstrap, embeddings and probes, summary tables.

Nothing here imports the training package: a trained model is all inference needs.
"""
