"""Files for the material tests: real images made with Pillow, and hostile ones."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (64, 48),
                colour: tuple[int, int, int] = (200, 30, 60)) -> bytes:
    """A real image of ``kind`` (PNG, JPEG, WEBP, GIF)."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def big_jpeg(megabytes: float = 5.0) -> bytes:
    """A JPEG of at least ``megabytes`` MB (noise does not compress)."""
    import os

    target = int(megabytes * 1024 * 1024)
    side = int((target / 3) ** 0.5) + 16
    while True:
        out = io.BytesIO()
        Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
            out, "JPEG", quality=95)
        if out.tell() >= target:
            return out.getvalue()
        side = int(side * (target / out.tell()) ** 0.5 * 1.02) + 1


def pdf_bytes(text: str = "Arte final") -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n% " + text.encode() +
            b"\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + \
        struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A PNG whose header declares ``width`` × ``height`` pixels, with a small compressed
    stream of zeros behind it: decoding it would ask for gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    stream = zlib.compress(b"\0" * 2_000_000, 9)  # the first rows of a huge blank image
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", stream)
            + _chunk(b"IEND", b""))


HTML_AS_PNG = (b"<!DOCTYPE html><html><body><script>fetch('/robar?c='+document.cookie)"
               b"</script></body></html>")
SVG_WITH_SCRIPT = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                   b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                   b'<script>alert(document.domain)</script><rect width="10" height="10"/>'
                   b"</svg>")
MP4_HEADER = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\0" * 64


def two_hundred_megabytes() -> bytes:
    """200 MB that start like a PNG: refused for its size before anything else."""
    return b"\x89PNG\r\n\x1a\n" + bytes(200 * 1024 * 1024)
