"""The synthesizer: the product's own value."""
