"""Listing crawler (Scrapy) and mark detector that raise misuse alerts."""
