"""What an uploaded paper is, judged by its first bytes, never by its name: PDF, JPEG or PNG.

A scan of a signed agreement arrives with a file name a person chose; the name may say .pdf of a
photograph. The content decides the type; a name whose extension says another type is refused, so
what is filed under a name is what that name claims.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from fengqiao.models.errors import InvalidInput
from fengqiao.models.text import recorded_text

SIGNATURES = {  # media type: (its magic bytes, the extensions a name may carry, how people call it)
    "application/pdf": (b"%PDF-", (".pdf",), "a PDF"),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg"), "a JPEG image"),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",), "a PNG image"),
}
NAME_CHARS = 200


class UnsupportedUpload(InvalidInput):
    code = "unsupported_media_type"


def media_type_of(content: bytes, filename: str) -> str:
    """The upload's media type by its content; refused if it is none of PDF, JPEG, PNG, or if its
    name's extension says another type."""
    recorded_text(filename, field="file", max_chars=NAME_CHARS, multiline=False, required=True)
    if not content:
        raise InvalidInput("文件为空 the file is empty", field="file")
    found = next((t for t, (magic, _, _) in SIGNATURES.items() if content.startswith(magic)), None)
    if found is None:
        raise UnsupportedUpload(
            "文件须为PDF、JPEG或PNG the file is not a PDF, JPEG or PNG by its content", field="file"
        )
    _, extensions, called = SIGNATURES[found]
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix not in extensions:
        says = suffix or "no type"
        raise InvalidInput(
            f"文件内容与扩展名不符 the file is {called} by its content, but its name {filename!r} says {says}",
            field="file",
        )
    return found
