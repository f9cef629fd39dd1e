"""Checking EC evidence files: PDF, images or Word documents, recognised by their content."""

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_FILES = 5

# What a file must start with, for each extension we accept.
_SIGNATURES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK",)),
}


class EvidenceRejected(Exception):
    """A file that cannot be accepted as evidence; the message says what to do."""


@dataclass(frozen=True)
class Evidence:
    filename: str
    content_type: str
    data: bytes

    def stored(self, at: datetime) -> dict:
        """The columns an evidence row keeps (EC claims and access arrangements alike)."""
        return {"filename": self.filename, "content_type": self.content_type,
                "size": len(self.data), "sha256": hashlib.sha256(self.data).hexdigest(),
                "data": self.data, "uploaded_at": at}


def check_files(files: list[tuple[str, bytes]]) -> list[Evidence]:
    """The uploaded (name, bytes) pairs that are not empty, each checked; at most MAX_FILES."""
    files = [f for f in files if f[1]]
    if len(files) > MAX_FILES:
        raise EvidenceRejected(f"Upload at most {MAX_FILES} files.")
    return [check_evidence(name, blob) for name, blob in files]


def check_evidence(filename: str, data: bytes) -> Evidence:
    name = filename.strip().rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or "evidence"
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in _SIGNATURES:
        raise EvidenceRejected(f"{name}: evidence must be a PDF, a JPEG or PNG image, or a Word "
                               "document (.docx).")
    if len(data) > MAX_EVIDENCE_BYTES:
        raise EvidenceRejected(f"{name}: each file must be smaller than 10 MB.")
    content_type, signatures = _SIGNATURES[suffix]
    if not data.startswith(signatures):
        raise EvidenceRejected(f"{name}: the file is not really a {suffix[1:].upper()} file, or "
                               "it is damaged. Save or scan it again and upload it.")
    if suffix == ".docx":
        _check_docx(name, data)
    return Evidence(name, content_type, data)


def _check_docx(name: str, data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        raise EvidenceRejected(f"{name}: the Word document could not be opened.") from None
    if "word/document.xml" not in names:
        raise EvidenceRejected(f"{name}: the file is not a Word document.")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise EvidenceRejected(f"{name}: documents with macros cannot be accepted.")
