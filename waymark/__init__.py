"""Waymark: software for the path out of opioid addiction."""
