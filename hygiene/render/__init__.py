"""Renderers: the same results as rich tables for people and JSON for programs."""
