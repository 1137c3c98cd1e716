"""Opening an untrusted listing image: limits first, then pixels.

A listing image comes from a stranger's server. Its header is read first and its pixel count
refused above the limit, so a decompression bomb never reaches the pixel decoder; anything
unreadable becomes one ``UnreadableImage`` with the reason, never a crash of the caller.
"""

from __future__ import annotations

import io
import threading
import warnings

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from crawler.detection.errors import ImageTooLarge, UnreadableImage

#: What product listings serve; anything else is refused before decoding.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
#: Pixels the detector decodes at most (width x height): a 48 MP camera photo passes.
MAX_PIXELS = 50_000_000
#: Long side the detector works at: 5 % of the width at this size is still 64 pixels, and
#: larger photos only cost time.
WORKING_SIZE = 1280

RGB = npt.NDArray[np.uint8]

# Image.open warns about huge images through the process-wide warnings filters; changing
# those filters is not thread-safe, so header reads take turns.
_OPEN_LOCK = threading.Lock()


def load_rgb(data: bytes, *, max_pixels: int = MAX_PIXELS) -> tuple[RGB, float]:
    """Decode an image to RGB at working size; returns it and the factor that maps its
    coordinates back to the original image's (1.0 when it was not shrunk)."""
    if not data:
        raise UnreadableImage("the image is empty (zero bytes)", reason="empty")
    image = _open_header(data, max_pixels)
    width, height = image.size
    try:
        if image.format == "JPEG":
            # The JPEG decoder can scale by 1/2..1/8 while decoding: less work for big photos.
            image.draft("RGB", (width * WORKING_SIZE // max(width, height),
                                height * WORKING_SIZE // max(width, height)))
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
        rgb = _to_rgb(image)
        if max(rgb.size) > WORKING_SIZE:
            rgb.thumbnail((WORKING_SIZE, WORKING_SIZE), Image.Resampling.BILINEAR)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise UnreadableImage(f"the image is damaged or incomplete ({exc})",
                              reason="corrupt") from exc
    # The long side survives EXIF rotation, so it gives the scale back to the original.
    return np.asarray(rgb, dtype=np.uint8), max(width, height) / max(rgb.size)


def _open_header(data: bytes, max_pixels: int) -> Image.Image:
    """Read only the header; refuse unknown formats and too many pixels."""
    with _OPEN_LOCK, warnings.catch_warnings():
        # Pillow's own bomb check warns, or raises past twice its limit; ours is stricter
        # and explicit, so its warning is turned into the same refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooLarge(f"the image has too many pixels to open safely ({exc})",
                                reason="pixels") from exc
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
            raise UnreadableImage("not a readable image (JPEG, PNG, WebP, GIF or BMP)",
                                  reason="format") from exc
    width, height = image.size
    if width < 1 or height < 1:
        raise UnreadableImage("the image has no pixels", reason="corrupt")
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"the image is {width}x{height} pixels; at most {max_pixels:,} are decoded",
            reason="pixels")
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB, with any transparency flattened onto white (as a listing page shows it)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")
