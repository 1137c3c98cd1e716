"""Issuer: keys, signed mark payloads, status rules, QR and mark artwork."""
