"""homemind: a local-first household AI hub."""

__version__ = "0.1.0"
