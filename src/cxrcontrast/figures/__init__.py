"""Figures a person reads without the code (PNG, labelled, class names spelled out)."""
