"""The JSON API under /api/v1, the JWKS and the signed status list."""
