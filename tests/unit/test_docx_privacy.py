"""A Word file leaving for the external moderator names nobody in its metadata; its text is kept."""

import io
import struct
import zipfile
import zlib

from docx import Document

from assessment_app.docx_privacy import without_personal_details
from assessment_app.wordcount import docx_text


def signed_document() -> bytes:
    document = Document()
    document.core_properties.author = "Sam Taylor"
    document.core_properties.last_modified_by = "sam@example.org"
    paragraph = document.add_paragraph("Coaching changes practice when it is sustained.")
    document.add_comment(paragraph.runs, text="Check this", author="Sam Taylor", initials="ST")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def all_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(n).decode("utf-8") for n in archive.namelist()
                       if n.endswith(".xml"))


def test_author_editor_and_comment_names_are_blanked_and_the_text_kept():
    original = signed_document()
    assert "Sam Taylor" in all_xml(original) and "sam@example.org" in all_xml(original)
    cleaned = without_personal_details(original)
    assert "Sam Taylor" not in all_xml(cleaned) and "sam@example.org" not in all_xml(cleaned)
    assert 'w:initials="ST"' not in all_xml(cleaned)
    assert Document(io.BytesIO(cleaned)).paragraphs[0].text == "Coaching changes practice when it is sustained."
    assert docx_text(cleaned) == docx_text(original)


# Planted identities, one set per place Word and SharePoint write people into a document.
EMAIL, NAME, PATH_USER = "sam.taylor@school.example", "Samantha Taylor", "samtaylor99"


def _png() -> bytes:
    """A one-pixel PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


def _identified() -> bytes:
    """A document carrying the participant's identity in every part Word and SharePoint write."""
    document = Document()
    props = document.core_properties
    props.author, props.last_modified_by, props.title = NAME, EMAIL, f"Response by {NAME}"
    props.comments, props.keywords, props.subject = EMAIL, NAME, NAME
    document.sections[0].header.paragraphs[0].text = f"Header {NAME}"
    document.sections[0].footer.paragraphs[0].text = f"Footer {EMAIL}"
    paragraph = document.add_paragraph("Coaching changes practice when it is sustained.")
    document.add_comment(paragraph.runs, text=f"Comment by {NAME}", author=NAME, initials="ST")
    document.add_picture(io.BytesIO(_png()))
    document.add_paragraph("Final paragraph.")
    buffer = io.BytesIO()
    document.save(buffer)
    parts = {}
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        for name in archive.namelist():
            blob = archive.read(name)
            parts[name] = blob.decode("utf-8") if name.endswith((".xml", ".rels")) else blob
    change = f'w:id="90" w:author="{NAME}" w:initials="ST" w:date="2026-05-01T10:00:00Z"'
    body = parts["word/document.xml"]
    body = body.replace(
        "<w:t>Final paragraph.</w:t></w:r>",
        f'<w:t>Final paragraph.</w:t></w:r><w:ins {change}><w:r><w:t xml:space="preserve"> Added.'
        f'</w:t></w:r></w:ins><w:del w:id="91" w:author="{NAME}" w:date="2026-05-01T10:00:00Z">'
        f"<w:r><w:delText>Deleted by {NAME}</w:delText></w:r></w:del>"
        f'<w:hyperlink r:id="rIdMail"><w:r><w:t xml:space="preserve"> Contact</w:t></w:r></w:hyperlink>')
    body = body.replace("<w:rPr>", f'<w:rPr><w:rPrChange {change}><w:rPr><w:b/></w:rPr></w:rPrChange>', 1)
    body = body.replace('descr=""', f'descr="Photo of {NAME}"').replace(
        "<wp:docPr ", f'<wp:docPr title="{EMAIL}" ')
    if 'descr="Photo' not in body:
        body = body.replace("<wp:docPr ", f'<wp:docPr descr="Photo of {NAME}" ')
    parts["word/document.xml"] = body
    rels = parts["word/_rels/document.xml.rels"].replace("</Relationships>", (
        '<Relationship Id="rIdMail" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/hyperlink" Target="mailto:{EMAIL}" TargetMode="External"/>'
        '<Relationship Id="rIdPeople" Type="http://schemas.microsoft.com/office/2011/relationships/'
        'people" Target="people.xml"/>'
        '<Relationship Id="rIdCx" Type="http://schemas.microsoft.com/office/2011/relationships/'
        'commentsExtended" Target="commentsExtended.xml"/>'
        '<Relationship Id="rIdItem" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/customXml" Target="../customXml/item1.xml"/>'
        '<Relationship Id="rIdEscape" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/image" Target="../../outside.png"/></Relationships>'))
    parts["word/_rels/document.xml.rels"] = rels
    parts["word/people.xml"] = (
        f'<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
        f'<w15:person w15:author="{NAME}"><w15:presenceInfo w15:providerId="AD" '
        f'w15:userId="S::{EMAIL}::abc"/></w15:person></w15:people>')
    parts["word/commentsExtended.xml"] = (
        f'<w15:commentsEx xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
        f'<w15:commentEx w15:paraId="1" w15:done="0"/><!-- {EMAIL} --></w15:commentsEx>')
    parts["customXml/item1.xml"] = (
        f'<p:properties xmlns:p="http://schemas.microsoft.com/office/2006/metadata/properties">'
        f"<documentManagement><Owner><UserInfo><DisplayName>{NAME}</DisplayName>"
        f"<AccountId>12</AccountId></UserInfo></Owner></documentManagement></p:properties>")
    parts["customXml/itemProps1.xml"] = (
        '<ds:datastoreItem ds:itemID="{1}" xmlns:ds="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/customXml"><ds:schemaRefs/><!-- {NAME} --></ds:datastoreItem>')
    parts["customXml/_rels/item1.xml.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/customXmlProps" Target="itemProps1.xml"/></Relationships>')
    parts["docProps/custom.xml"] = (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Email">'
        f"<vt:lpwstr>{EMAIL}</vt:lpwstr></property></Properties>")
    parts["docProps/app.xml"] = parts.get("docProps/app.xml", (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "</Properties>")).replace("</Properties>", f"<Company>{NAME} School</Company><Manager>{NAME}"
                                  "</Manager></Properties>")
    parts["_rels/.rels"] = parts["_rels/.rels"].replace("</Relationships>", (
        '<Relationship Id="rIdCustom" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>'))
    settings = parts["word/settings.xml"]
    parts["word/settings.xml"] = settings.replace(
        "<w:zoom", '<w:attachedTemplate r:id="rIdTemplate"/><w:docVars><w:docVar w:name="who" '
        f'w:val="{EMAIL}"/></w:docVars><w:zoom').replace(
        "<w:settings ", '<w:settings xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships" ', 1) if 'xmlns:r=' not in settings else settings.replace(
        "<w:zoom", '<w:attachedTemplate r:id="rIdTemplate"/><w:docVars><w:docVar w:name="who" '
        f'w:val="{EMAIL}"/></w:docVars><w:zoom')
    parts["word/_rels/settings.xml.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rIdTemplate" Type="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships/attachedTemplate" Target="file:///C:\\Users\\{PATH_USER}\\AppData\\'
        'Roaming\\Microsoft\\Templates\\Normal.dotm" TargetMode="External"/></Relationships>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def every_part(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())


def test_no_part_of_the_moderators_copy_names_the_participant():
    """Core, app and custom properties, comments and their extension, people.xml, tracked
    changes, SharePoint's custom XML items, the attached template's path, external links,
    headers, footers and alt text: the planted email, name and user folder are in the original
    and in no part of the copy (the copy is rebuilt from an allow-list of parts)."""
    original = _identified()
    everything = every_part(original)
    for planted in (EMAIL, NAME, PATH_USER):
        assert planted in everything
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        for part in ("docProps/custom.xml", "customXml/item1.xml", "word/_rels/settings.xml.rels",
                     "word/people.xml", "word/comments.xml", "word/header1.xml"):
            assert part in archive.namelist() or part == "word/header1.xml"
    cleaned = without_personal_details(original)
    copy = every_part(cleaned)
    for planted in (EMAIL, NAME, PATH_USER, "ST", "2026-05-01"):
        assert planted not in copy, planted
    with zipfile.ZipFile(io.BytesIO(cleaned)) as archive:
        names = set(archive.namelist())
    assert not any(n.startswith(("docProps/", "customXml/")) for n in names)
    assert not names & {"word/people.xml", "word/comments.xml", "word/commentsExtended.xml"}
    assert not any("header" in n or "footer" in n for n in names)
    assert any(n.startswith("word/media/") for n in names)  # the picture is kept


def test_the_copy_opens_in_word_readers_with_the_text_as_written_changes_accepted():
    original = _identified()
    cleaned = without_personal_details(original)
    document = Document(io.BytesIO(cleaned))
    texts = [p.text for p in document.paragraphs]
    assert "Coaching changes practice when it is sustained." in texts
    assert docx_text(cleaned).split("\n") == [
        "Coaching changes practice when it is sustained.", "", "Final paragraph. Added. Contact"]
    assert "Added." in docx_text(cleaned) and "Deleted" not in docx_text(cleaned)
    assert len(document.inline_shapes) == 1
