"""印章: a committee's seal image, named in the network YAML by a file beside it (PNG or SVG).

On load the file is read, judged by its content and kept in the configuration as a data: URI, so
a configuration version prints the same seal however the file changes later, and a document sent
to the API (which has no file beside it) gives the image itself, as GET shows it: a path there is
refused, so no request makes the server read a file of its choosing.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path

MAX_SEAL_BYTES = 256 * 1024
PNG = b"\x89PNG\r\n\x1a\n"
DATA_URI = re.compile(r"data:(image/png|image/svg\+xml);base64,([A-Za-z0-9+/=]+)")


def media_type(content: bytes) -> str | None:
    """image/png or image/svg+xml by the content; None for anything else."""
    if content.startswith(PNG):
        return "image/png"
    try:
        head = content[:1024].decode("utf-8").lstrip("\ufeff \t\r\n")
    except UnicodeDecodeError:
        return None
    if head.startswith("<svg") or (head.startswith(("<?xml", "<!--", "<!DOCTYPE svg")) and "<svg" in head):
        return "image/svg+xml"
    return None


def checked_image(content: bytes, said: str | None = None) -> str:
    """The image as a data: URI; ValueError saying what is wrong with it."""
    if len(content) > MAX_SEAL_BYTES:
        raise ValueError(f"印章图片过大 the seal image is {len(content)} bytes, at most {MAX_SEAL_BYTES}")
    found = media_type(content)
    if found is None:
        raise ValueError("印章须为PNG或SVG the seal image is not a PNG or SVG by its content")
    if said is not None and said != found:
        raise ValueError(f"data: URI 所说类型与图片不符 the data: URI says {said} but the image is {found}")
    return f"data:{found};base64,{base64.b64encode(content).decode()}"


def seal_uri(value: str, base: Path | None) -> str:
    """A seal as the YAML or a request gives it (a path relative to the YAML's folder, or a data:
    URI) as the data: URI the configuration keeps; ValueError naming what is wrong."""
    if value.startswith("data:"):
        match = DATA_URI.fullmatch(value)
        if match is None:
            raise ValueError(
                "应为 base64 编码的 image/png 或 image/svg+xml data: URI "
                "a data: URI of image/png or image/svg+xml in base64"
            )
        try:
            content = base64.b64decode(match.group(2), validate=True)
        except binascii.Error:
            raise ValueError("data: URI 的 base64 无法解码 the data: URI's base64 cannot be decoded") from None
        return checked_image(content, match.group(1))
    if base is None:
        raise ValueError(
            "只有网络配置文件可以写文件路径，请以 data: URI 给出图片 "
            "a file path is read only from a network file: give the image as a data: URI"
        )
    path = Path(value) if Path(value).is_absolute() else base / value
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"无法读取 cannot read {path}: {exc.strerror}") from None
    return checked_image(content)
