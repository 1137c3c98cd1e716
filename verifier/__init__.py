"""Public verification service (aiohttp): scan pages, registry, API, badges, staff console."""
