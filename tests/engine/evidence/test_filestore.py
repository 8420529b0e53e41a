"""The evidence file store: real files in ``tmp_path``, built byte by byte here."""

from __future__ import annotations

import hashlib
import io
import struct
import threading
import zipfile
import zlib
from pathlib import Path
from typing import Callable

import pytest

from engine.errors import AttachmentNotFound, FileTooLarge, InvalidFile
from engine.evidence.filestore import (
    CHUNK_BYTES,
    MAX_DISPLAY_NAME,
    LocalFileStore,
    StoredFile,
    safe_display_name,
)
from engine.evidence.filetypes import MAX_ARCHIVE_MEMBERS

KIB = 1024
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
TIFF = b"II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
ELF = b"\x7fELF\x02\x01\x01" + bytes(121)
WINDOWS_EXE = b"MZ\x90\x00\x03" + bytes(123)


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    pixels = chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    return b"\x89PNG\r\n\x1a\n" + header + pixels + chunk(b"IEND", b"")


def webp() -> bytes:
    payload = b"VP8L" + struct.pack("<I", 5) + b"\x2f\x00\x00\x00\x00" + b"\x00"
    return b"RIFF" + struct.pack("<I", 4 + len(payload)) + b"WEBP" + payload


def bmp() -> bytes:
    file_header = struct.pack("<2sIHHI", b"BM", 58, 0, 0, 54)
    info_header = struct.pack("<IiiHHIIiiII", 40, 1, 1, 1, 24, 0, 4, 2835, 2835, 0, 0)
    return file_header + info_header + b"\x00\x00\xff\x00"


def ole2(first_sector: bytes) -> bytes:
    """A compound-file header followed by a first sector starting with the application's marker."""
    return OLE2_MAGIC.ljust(512, b"\x00") + first_sector.ljust(512, b"\x00")


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def ooxml(folder: str, part: str) -> bytes:
    return make_zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
            f"{folder}/{part}": b'<?xml version="1.0"?><root/>',
        }
    )


def encrypted_zip() -> bytes:
    """``zipfile`` cannot encrypt, so set the encryption flag in both headers by hand."""
    data = bytearray(make_zip({"report.pdf": PDF}, zipfile.ZIP_STORED))
    data[data.find(b"PK\x03\x04") + 6] |= 0x1
    data[data.find(b"PK\x01\x02") + 8] |= 0x1
    return bytes(data)


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "store")


@pytest.fixture
def small_store(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "small", max_bytes=64 * KIB)


ACCEPTED: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("pdf", lambda: PDF, "application/pdf", "pdf"),
    ("jpeg", lambda: JPEG, "image/jpeg", "jpg"),
    ("png", png, "image/png", "png"),
    ("gif", lambda: GIF, "image/gif", "gif"),
    ("webp", webp, "image/webp", "webp"),
    ("bmp", bmp, "image/bmp", "bmp"),
    ("tiff", lambda: TIFF, "image/tiff", "tif"),
    ("doc", lambda: ole2(b"\xec\xa5\xc1\x00"), "application/msword", "doc"),
    ("xls", lambda: ole2(b"\x09\x08\x10\x00\x00\x06\x05\x00"), "application/vnd.ms-excel", "xls"),
    ("ppt", lambda: ole2(b"\xa0\x46\x1d\xf0"), "application/vnd.ms-powerpoint", "ppt"),
    ("docx", lambda: ooxml("word", "document.xml"),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    ("xlsx", lambda: ooxml("xl", "workbook.xml"),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    ("pptx", lambda: ooxml("ppt", "presentation.xml"),
     "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
    ("zip", lambda: make_zip({"现场/照片.png": png(), "报告.pdf": PDF, "记录.docx": ooxml("word", "document.xml")}),
     "application/zip", "zip"),
]


@pytest.mark.parametrize(("build", "media_type", "extension"), [case[1:] for case in ACCEPTED],
                         ids=[case[0] for case in ACCEPTED])
def test_put_accepts_type_by_content(
    store: LocalFileStore, build: Callable[[], bytes], media_type: str, extension: str
) -> None:
    content = build()
    stored = store.put(io.BytesIO(content), "upload.bin")
    sha256 = hashlib.sha256(content).hexdigest()
    assert stored == StoredFile(sha256=sha256, size=len(content), media_type=media_type, extension=extension)
    assert store.path_for(sha256) == store.root / sha256[:2] / sha256[2:4] / sha256
    with store.open(sha256) as stored_stream:
        assert stored_stream.read() == content


REFUSED: list[tuple[str, bytes, str, str]] = [
    ("empty", b"", "a.pdf", "is empty"),
    ("html-as-jpg", HTML, "photo.jpg", "unknown type"),
    ("elf-as-pdf", ELF, "report.pdf", "application/x-executable (.elf)"),
    ("exe-as-pdf", WINDOWS_EXE, "report.pdf", "application/x-msdownload (.exe)"),
    ("script", b"#!/bin/sh\nrm -rf /\n", "run.pdf", "unknown type"),
    ("svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "a.svg", "unknown type"),
    ("text-starting-bm", b"BM: routine inspection notes, nothing binary here", "a.bmp", "unknown type"),
    ("gzip", b"\x1f\x8b\x08\x00" + bytes(16), "a.pdf", "application/gzip"),
    ("odt", make_zip({"mimetype": b"application/vnd.oasis.opendocument.text"}, zipfile.ZIP_STORED),
     "a.odt", "(.odt), which is not accepted"),
    ("damaged-zip", b"PK\x03\x04" + bytes(40), "a.zip", "damaged ZIP"),
    ("zip-of-exe", make_zip({"ok.pdf": PDF, "setup.exe": WINDOWS_EXE}), "a.zip",
     "archive member 'setup.exe' is application/x-msdownload"),
    ("zip-of-html", make_zip({"index.html": HTML}), "a.zip", "member 'index.html' is of an unknown type"),
    ("zip-parent-path", make_zip({"../evil.pdf": PDF}), "a.zip", "'../evil.pdf' has an absolute path"),
    ("zip-nested-parent", make_zip({"a/../../evil.pdf": PDF}), "a.zip", "'..' part"),
    ("zip-absolute-path", make_zip({"/etc/cron.d/x.pdf": PDF}), "a.zip", "absolute path"),
    ("zip-windows-drive", make_zip({"C:/Windows/x.pdf": PDF}), "a.zip", "absolute path"),
    ("zip-backslash-parent", make_zip({"..\\evil.pdf": PDF}), "a.zip", "'..' part"),
    ("nested-zip", make_zip({"inner.zip": make_zip({"a.pdf": PDF})}), "a.zip",
     "'inner.zip' is itself an archive"),
    ("encrypted-member", encrypted_zip(), "a.zip", "'report.pdf' is encrypted"),
    ("empty-archive", make_zip({"folder/": b""}), "a.zip", "contains no files"),
    ("empty-member", make_zip({"blank.pdf": b""}), "a.zip", "'blank.pdf' is empty"),
    ("too-many-members", make_zip({f"{n}.pdf": PDF for n in range(MAX_ARCHIVE_MEMBERS + 1)}), "a.zip",
     f"at most {MAX_ARCHIVE_MEMBERS} are accepted"),
]


@pytest.mark.parametrize(("content", "name", "reason"), [case[1:] for case in REFUSED],
                         ids=[case[0] for case in REFUSED])
def test_put_refuses_bad_content_and_keeps_nothing(
    store: LocalFileStore, content: bytes, name: str, reason: str
) -> None:
    with pytest.raises(InvalidFile) as refused:
        store.put(io.BytesIO(content), name)
    assert refused.value.message.startswith(f"{name}: ")
    assert reason in refused.value.message
    assert refused.value.details["name"] == name
    assert stored_files(store.root) == []


def test_put_refuses_zip_bomb(small_store: LocalFileStore) -> None:
    bomb = make_zip({"report.pdf": PDF + bytes(2 * 1024 * KIB)})
    assert len(bomb) < small_store.max_bytes

    with pytest.raises(InvalidFile, match=r"unpacks to more than 0\.625 MiB \(655360 bytes\)"):
        small_store.put(io.BytesIO(bomb), "evidence.zip")
    assert stored_files(small_store.root) == []


def test_put_stops_reading_oversize_upload_and_leaves_no_temp_file(small_store: LocalFileStore) -> None:
    stream = io.BytesIO(PDF + bytes(1024 * KIB))

    with pytest.raises(FileTooLarge, match=r"larger than 0\.0625 MiB \(65536 bytes\)"):
        small_store.put(stream, "scan.pdf")
    assert stream.tell() <= small_store.max_bytes + CHUNK_BYTES
    assert stored_files(small_store.root) == []


def test_put_accepts_file_of_exactly_max_bytes(small_store: LocalFileStore) -> None:
    content = PDF.ljust(small_store.max_bytes, b" ")

    assert small_store.put(io.BytesIO(content), "scan.pdf").size == small_store.max_bytes


def test_refused_uploads_leave_stored_files_intact(small_store: LocalFileStore) -> None:
    kept = small_store.put(io.BytesIO(PDF), "report.pdf")
    before = stored_files(small_store.root)

    with pytest.raises(InvalidFile):
        small_store.put(io.BytesIO(ELF), "report.pdf")
    with pytest.raises(FileTooLarge):
        small_store.put(io.BytesIO(PDF + bytes(128 * KIB)), "report.pdf")

    assert stored_files(small_store.root) == before
    with small_store.open(kept.sha256) as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == kept.sha256


def test_put_same_content_twice_keeps_one_file(store: LocalFileStore) -> None:
    first = store.put(io.BytesIO(PDF), "维护记录.pdf")
    inode = store.path_for(first.sha256).stat().st_ino
    second = store.put(io.BytesIO(PDF), "copy.pdf")

    assert first == second
    assert store.path_for(second.sha256).stat().st_ino == inode
    assert stored_files(store.root) == [store.path_for(first.sha256)]


def test_concurrent_puts_of_same_content_end_with_one_valid_file(store: LocalFileStore) -> None:
    content = PDF + bytes(4 * 1024 * KIB)
    start = threading.Barrier(2)
    results: list[StoredFile] = []

    def upload() -> None:
        start.wait()
        results.append(store.put(io.BytesIO(content), "scan.pdf"))

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 2 and results[0] == results[1]
    assert stored_files(store.root) == [store.path_for(results[0].sha256)]
    assert store.path_for(results[0].sha256).read_bytes() == content


MALFORMED_IDS = [
    "../../etc/passwd",
    "ab/cd/" + "0" * 64,
    "/" + "0" * 64,
    "0" * 63,
    "0" * 64 + "\n",
    "A" * 64,
    "",
]


@pytest.mark.parametrize("sha256", MALFORMED_IDS)
def test_malformed_ids_are_not_found(store: LocalFileStore, sha256: str) -> None:
    store.put(io.BytesIO(PDF), "report.pdf")

    with pytest.raises(AttachmentNotFound):
        store.open(sha256)
    with pytest.raises(AttachmentNotFound):
        store.path_for(sha256)
    with pytest.raises(AttachmentNotFound):
        store.delete(sha256)
    assert store.exists(sha256) is False


def test_missing_file_is_not_found(store: LocalFileStore) -> None:
    missing = hashlib.sha256(b"never stored").hexdigest()

    with pytest.raises(AttachmentNotFound, match=missing):
        store.open(missing)
    assert store.exists(missing) is False


def test_symlink_leading_outside_root_is_not_followed(store: LocalFileStore, tmp_path: Path) -> None:
    sha256 = hashlib.sha256(b"secret").hexdigest()
    outside = tmp_path / "outside"
    (outside / sha256[2:4]).mkdir(parents=True)
    (outside / sha256[2:4] / sha256).write_bytes(b"secret")
    store.root.mkdir(parents=True)
    (store.root / sha256[:2]).symlink_to(outside, target_is_directory=True)

    with pytest.raises(AttachmentNotFound):
        store.open(sha256)
    assert store.exists(sha256) is False


def test_delete_removes_file_and_may_be_repeated(store: LocalFileStore) -> None:
    stored = store.put(io.BytesIO(png()), "photo.png")
    kept = store.put(io.BytesIO(PDF), "report.pdf")

    store.delete(stored.sha256)
    store.delete(stored.sha256)

    assert store.exists(stored.sha256) is False
    with pytest.raises(AttachmentNotFound):
        store.open(stored.sha256)
    assert store.exists(kept.sha256) is True


@pytest.mark.parametrize(
    ("declared", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("维护记录.pdf", "维护记录.pdf"),
        ("C:\\Users\\张三\\整改报告 2024.docx", "整改报告 2024.docx"),
        ("a\x00b\r\n.pdf", "ab.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ('a<b>:c|"d?*.pdf', "a_b__c__d__.pdf"),
        ("photos/", "photos"),
        (" ..  ", "unnamed"),
        ("", "unnamed"),
    ],
)
def test_safe_display_name(declared: str, shown: str) -> None:
    assert safe_display_name(declared) == shown


def test_safe_display_name_shortens_keeping_extension() -> None:
    shown = safe_display_name("环" * 300 + ".pdf")

    assert len(shown) == MAX_DISPLAY_NAME
    assert shown == "环" * (MAX_DISPLAY_NAME - 4) + ".pdf"
