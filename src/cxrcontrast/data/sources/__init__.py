"""Sources by name: each turns its input into the one MedMNIST-format file the workflow reads."""
