"""SAGA Desktop: a desktop simulator of the SAGA pattern for a flight booking."""

__version__ = "0.1.0"

__all__ = ["__version__"]
