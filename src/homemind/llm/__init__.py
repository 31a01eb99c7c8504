"""The language model tier: an OpenAI-compatible endpoint that can only act through the hub's tools."""
