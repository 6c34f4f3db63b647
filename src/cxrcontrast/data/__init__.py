"""The data stage: acquire, validate, prune, balance, augment."""
