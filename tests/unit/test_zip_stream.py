"""zip_stream: what it writes, zipfile reads back as given (names, contents, methods, CRCs),
Zip64 end records included once a pack outgrows the classic count of members."""

import io
import zipfile
import zlib
from datetime import datetime

from assessment_app.zip_stream import DEFLATED, STORED, ZipStream, deflate

WHEN = datetime(2026, 12, 6, 15, 4, 32)


def _zip(members) -> zipfile.ZipFile:
    stream = ZipStream(WHEN)
    parts = []
    for name, data, method in members:
        body = deflate(data) if method == DEFLATED else data
        parts.append(stream.member(name, method, body, zlib.crc32(data), len(data)))
    parts.append(stream.end())
    return zipfile.ZipFile(io.BytesIO(b"".join(parts)))


def test_members_read_back_as_written():
    members = [("scripts/NPQLTD/100001.txt", "A response\n".encode() * 500, DEFLATED),
               ("scripts/NPQLTD/100001-original.docx", b"PK\x03\x04 a docx already", STORED),
               ("papers/NPQLTD/café handout.md", "Le café".encode(), DEFLATED),
               ("empty.txt", b"", DEFLATED)]
    pack = _zip(members)
    assert pack.testzip() is None  # every CRC checks
    assert pack.namelist() == [name for name, _, _ in members]
    for name, data, method in members:
        assert pack.read(name) == data
        assert pack.getinfo(name).compress_type == method
        assert pack.getinfo(name).date_time == (2026, 12, 6, 15, 4, 32)


def test_more_members_than_the_classic_end_record_counts():
    pack = _zip([(f"{n}.txt", b"x", STORED) for n in range(70_000)])
    assert len(pack.namelist()) == 70_000
    assert pack.read("69999.txt") == b"x"
