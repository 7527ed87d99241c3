"""The HTTP service: label documents, collect annotations, retrain and switch models."""
