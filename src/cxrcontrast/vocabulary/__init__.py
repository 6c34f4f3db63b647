"""Names that the config, the data, the models and training all read, torch-free (imported at parse time).

Nothing here imports from the rest of the package except its leaves (errors).
"""
