"""Documents a mentor uploads as evidence of training: checked by what they are.

The type is read from the file's first bytes, not trusted from its name or the
browser, and must agree with the name's extension.
"""

import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError

MAX_BYTES = 5 * 1024 * 1024
TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
ALLOWED_TEXT = "a PDF, a Word document (.docx), or a photo or scan (JPEG or PNG)"


@dataclass(frozen=True)
class Document:
    name: str
    content_type: str
    content: bytes


def _sniff(content: bytes) -> str | None:
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return TYPES[".docx"]
    return None


def checked(upload) -> Document:
    """The upload as a Document, or a ValidationError saying what is wrong."""
    name = (upload.name or "document").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][-200:]
    if upload.size > MAX_BYTES:
        raise ValidationError(
            f"The document is {upload.size / 1024 / 1024:.1f} MB; the most we accept "
            f"is {MAX_BYTES // 1024 // 1024} MB. Try a smaller scan or a PDF."
        )
    if upload.size == 0:
        raise ValidationError("The document is empty.")
    content = b"".join(upload.chunks())
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    sniffed = _sniff(content)
    if sniffed is None or TYPES.get(extension) != sniffed:
        raise ValidationError(
            f"We cannot accept this file. Send {ALLOWED_TEXT}, with the usual "
            "ending to its name."
        )
    return Document(name=name, content_type=sniffed, content=content)
