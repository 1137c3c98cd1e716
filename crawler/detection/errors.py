"""The detector's one error tree: every image it cannot analyse, with a reason."""

from __future__ import annotations


class DetectionError(Exception):
    """The image cannot be analysed; ``reason`` is a short machine name, the message says why."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class UnreadableImage(DetectionError):
    """Empty, not an image, of an unsupported format, or damaged (``empty``, ``format``,
    ``corrupt``)."""


class ImageTooLarge(DetectionError):
    """More pixels than the detector decodes (``pixels``): a decompression bomb is one."""
