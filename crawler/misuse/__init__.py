"""Misuse rules: who sells, what their certificates allow, and what a listing image shows.

``rules`` is the pure core (values in, decisions out, see docs/misuse.md); ``registry_view``
is the one place that reads what it needs from the database.
"""
