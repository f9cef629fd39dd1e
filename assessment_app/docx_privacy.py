"""Taking people's names out of a Word file's metadata, for copies that leave the provider.

A .docx records who wrote and last saved it (document properties), and who made each tracked
change and comment. The external moderator sees scripts by candidate number only, so these
are blanked; the text of the document is left exactly as the participant wrote it.
"""

import io
import zipfile

from lxml import etree

_DC = "http://purl.org/dc/elements/1.1/"
_CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_EP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
# Elements whose text names a person or an organisation.
_NAMING_ELEMENTS = {f"{{{_DC}}}creator", f"{{{_CP}}}lastModifiedBy", f"{{{_EP}}}Company",
                    f"{{{_EP}}}Manager"}
# Attributes (any namespace) naming who made a change or comment: w:author, w15:userId ...
_NAMING_ATTRIBUTES = {"author", "initials", "userId", "providerId"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _blank(xml: bytes) -> bytes:
    root = etree.fromstring(xml, _PARSER)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in _NAMING_ELEMENTS:
            element.text = ""
        for name in element.attrib:
            if etree.QName(name).localname in _NAMING_ATTRIBUTES:
                element.attrib[name] = ""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def without_personal_details(data: bytes) -> bytes:
    """The same document with author, editor and company names blanked in every XML part."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            blob = source.read(item)
            if item.filename.endswith(".xml"):
                try:
                    blob = _blank(blob)
                except etree.XMLSyntaxError:
                    # A part we cannot read might name someone: leave it out rather than leak it.
                    continue
            target.writestr(item, blob)
    return out.getvalue()
