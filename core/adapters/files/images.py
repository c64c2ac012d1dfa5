"""Previews of the material's images: re-encoded by the app, never the uploaded bytes.

A page shows images as previews this module draws (PNG or JPEG at most ``PREVIEW_SIDE``
pixels a side), so what the browser receives is a plain image the app made: whatever else
an uploaded file carried (a polyglot, metadata, a script after the image data) never
reaches it, and a page with twenty 5 MB photos sends kilobytes. The file is checked again
(type and declared size, core.domain.materials.check_file) before Pillow opens it, since
a stored file may have been replaced by hand.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from core.domain.errors import InvalidInput
from core.domain.materials import MAX_PIXELS, check_file

PREVIEW_SIDE = 720  # a third of a wide page, sharp on a 2x screen


def preview(data: bytes, side: int = PREVIEW_SIDE) -> bytes | None:
    """A small PNG/JPEG of an accepted image (first frame of a GIF); None when it is not
    one or cannot be read."""
    try:
        checked = check_file("imagen", data)
    except InvalidInput:
        return None
    if not checked.media_type.is_image:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            image.draft("RGB", (side, side))  # JPEG: decode at a reduced scale
            frame = ImageOps.exif_transpose(image) or image
            frame.thumbnail((side, side))
            opaque = frame.mode not in ("RGBA", "LA", "P") or (
                frame.mode == "P" and "transparency" not in frame.info)
            out = io.BytesIO()
            if opaque:
                frame.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            else:
                frame.convert("RGBA").save(out, "PNG", optimize=True)
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None
