"""Glimpse."""
