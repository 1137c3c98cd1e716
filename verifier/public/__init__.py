"""Public pages: the scan page, the registry, certificate pages, badges and embeds."""
