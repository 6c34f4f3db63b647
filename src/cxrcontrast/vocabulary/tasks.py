"""MedMNIST's task types, as its ``INFO[flag]["task"]`` spells them."""

MULTI_LABEL = "multi-label, binary-class"  # ChestMNIST: 14 findings, any number per image
