"""Cancelboard: a terminal board for Fiverr orders heading for cancellation."""

__version__ = "0.1.0"
