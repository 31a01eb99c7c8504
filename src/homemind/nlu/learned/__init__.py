"""The learned tier: a small trained model, its training data, and its resolution against the home."""
