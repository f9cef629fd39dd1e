"""A Word file rebuilt for copies that leave the provider, naming nobody.

A .docx records people in many places: document properties (core, app and custom: a custom
property can hold the participant's email), SharePoint's custom XML items, comments and their
authors (comments, commentsExtended, people.xml), tracked changes (author, initials, date),
the attached template's path (C:\\Users\\<name>\\...), headers and footers, pictures' alt text.
The external moderator sees scripts by candidate number only, so rather than blank a list of
known places, the copy is built from an allow-list: the body and what it needs to be read as
written (styles, numbering, the fonts table, the theme, settings, footnotes, endnotes,
pictures), with only the relationships of those parts whose targets are kept parts inside the
package (external targets dropped). In the parts kept, tracked changes are accepted, comment
marks removed, alt text cleared, and every attribute naming or dating a person removed. No
Flask.
"""

import io
import posixpath
import zipfile

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                          remove_comments=True, remove_pis=True)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PR = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"
_RELS = f"{_R}/"
_OFFICE_DOCUMENT = f"{_RELS}officeDocument"
# Relationship types (the last part of the type URI) kept, from the body and from each other.
_KEPT_TYPES = {"styles", "stylesWithEffects", "numbering", "fontTable", "theme", "settings",
               "footnotes", "endnotes", "image"}
# An element that only points at a dropped part goes with it (a header, an embedded font).
_POINTERS_DROPPED = {f"{{{_W}}}{name}" for name in (
    "headerReference", "footerReference", "embedRegular", "embedBold", "embedItalic",
    "embedBoldItalic", "attachedTemplate")}
# Tracked changes accepted: deletions and the old formatting go, insertions stay as text.
_REMOVED = {f"{{{_W}}}{name}" for name in (
    "del", "moveFrom", "rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "trPrChange",
    "tcPrChange", "tblGridChange", "tblPrExChange", "numberingChange", "cellIns", "cellDel",
    "cellMerge", "moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd",
    "customXmlInsRangeStart", "customXmlInsRangeEnd", "customXmlDelRangeStart",
    "customXmlDelRangeEnd", "customXmlMoveFromRangeStart", "customXmlMoveFromRangeEnd",
    "customXmlMoveToRangeStart", "customXmlMoveToRangeEnd",
    # Comment marks (the comments themselves are not kept).
    "commentRangeStart", "commentRangeEnd", "commentReference",
    # Settings that name people or their files, or fingerprint editing sessions.
    "rsids", "docVars", "mailMerge", "attachedSchema")}
_UNWRAPPED = {f"{{{_W}}}ins", f"{{{_W}}}moveTo"}
# Attributes (any namespace) that name or date a person, or fingerprint an editing session.
_PERSONAL_ATTRIBUTES = {"author", "initials", "date", "dateUtc", "userId", "providerId"}
_ALT_TEXT = {f"{{{_WP}}}docPr", f"{{{_PIC}}}cNvPr"}
_R_ATTRIBUTE = f"{{{_R}}}"  # how an attribute in the relationships namespace is named


def _part_rels(name: str) -> str:
    folder, base = posixpath.split(name)
    return posixpath.join(folder, "_rels", f"{base}.rels")


def _target(source: str, target: str) -> str | None:
    """A relationship's target as a part name, or None if it leaves the package."""
    if target.startswith("/"):
        resolved = posixpath.normpath(target.lstrip("/"))
    else:
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
    if resolved.startswith("../") or resolved == ".." or ":" in resolved or "\\" in resolved:
        return None
    return resolved


def without_personal_details(data: bytes) -> bytes:
    """The document rebuilt from the allow-listed parts, its text as written, naming nobody."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        names = set(source.namelist())
        main = None
        for rel in etree.fromstring(source.read("_rels/.rels"), _PARSER).iter(f"{{{_PR}}}Relationship"):
            if rel.get("Type") == _OFFICE_DOCUMENT and rel.get("TargetMode") != "External":
                main = _target("", rel.get("Target", ""))
        if main not in names:
            raise ValueError("not a Word document: no main document part")
        # Parts kept, found from the body along kept relationship types; each part's kept
        # relationships as (id, type, target) with the target relative to that part.
        kept: dict[str, list[tuple[str, str, str]]] = {}
        waiting = [main]
        while waiting:
            part = waiting.pop()
            if part in kept:
                continue
            kept[part] = []
            rels_name = _part_rels(part)
            if rels_name not in names:
                continue
            for rel in etree.fromstring(source.read(rels_name), _PARSER).iter(f"{{{_PR}}}Relationship"):
                kind = rel.get("Type", "")
                target = _target(part, rel.get("Target", ""))
                if (rel.get("TargetMode") == "External" or target is None or target not in names
                        or not kind.startswith(_RELS) or kind[len(_RELS):] not in _KEPT_TYPES):
                    continue
                kept[part].append((rel.get("Id", ""), kind, rel.get("Target", "")))
                if target.endswith(".xml"):
                    waiting.append(target)
                else:
                    kept.setdefault(target, [])  # a picture: kept as it is
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target_zip:
            target_zip.writestr("[Content_Types].xml", _content_types(source.read("[Content_Types].xml"), kept))
            target_zip.writestr("_rels/.rels", _relationships([("rId1", _OFFICE_DOCUMENT, main)]))
            for part, rels in kept.items():
                blob = source.read(part)
                if part.endswith(".xml"):
                    blob = _cleaned(blob, {rel_id for rel_id, _, _ in rels})
                target_zip.writestr(part, blob)
                if rels:
                    target_zip.writestr(_part_rels(part), _relationships(rels))
    return out.getvalue()


def _relationships(rels: list[tuple[str, str, str]]) -> bytes:
    root = etree.Element(f"{{{_PR}}}Relationships", nsmap={None: _PR})
    for rel_id, kind, target in rels:
        etree.SubElement(root, f"{{{_PR}}}Relationship", Id=rel_id, Type=kind, Target=target)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _content_types(xml: bytes, kept: dict) -> bytes:
    root = etree.fromstring(xml, _PARSER)
    for override in root.findall(f"{{{_CT}}}Override"):
        if override.get("PartName", "").lstrip("/") not in kept:
            root.remove(override)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _cleaned(xml: bytes, rel_ids: set[str]) -> bytes:
    root = etree.fromstring(xml, _PARSER)
    for element in list(root.iter(*_REMOVED)):
        if element.getparent() is not None:
            element.getparent().remove(element)
    for element in list(root.iter(*_UNWRAPPED)):
        parent = element.getparent()
        if parent is not None:
            at = parent.index(element)
            parent[at:at + 1] = list(element)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        for name in list(element.attrib):
            # "{namespace}local" read as a string: an etree.QName for each of a styles part's
            # thousands of attributes was most of the moderation pack's build time.
            local = name.rpartition("}")[2]
            if local in _PERSONAL_ATTRIBUTES or local.startswith("rsid"):
                del element.attrib[name]
            elif name.startswith(_R_ATTRIBUTE) and element.attrib[name] not in rel_ids:
                if element.tag in _POINTERS_DROPPED and element.getparent() is not None:
                    element.getparent().remove(element)
                    break
                del element.attrib[name]  # a link's text stays; the link goes
        if element.tag in _ALT_TEXT:
            element.attrib.pop("descr", None)
            element.attrib.pop("title", None)
            if "name" in element.attrib:
                element.attrib["name"] = "Picture"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
