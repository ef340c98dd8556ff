"""Synthetic city-scale workloads that show what scheduled cleanup saves."""
