"""Training: one loop per objective (pretraining, classification), configured, never copied."""
