"""Word packages made for tests: an existing .docx with some of its parts replaced or added."""

import io
import zipfile


def repack(data: bytes, replace: dict | None = None, add: dict | None = None) -> bytes:
    """The same package with some members replaced or added."""
    replace, add = replace or {}, add or {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, replace.get(name, source.read(name)))
        for name, content in add.items():
            target.writestr(name, content)
    return buffer.getvalue()
