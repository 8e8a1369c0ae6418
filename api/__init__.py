"""Aidbridge: social participation in poverty alleviation, as a replicable GraphQL platform."""

__version__ = "0.1.0"
