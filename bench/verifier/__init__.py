"""Load benchmark of the verifier service: ``python bench/verifier/run.py``."""
