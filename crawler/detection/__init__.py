"""The mark detector's parts; ``crawler.detector`` puts them together."""
