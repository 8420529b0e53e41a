"""Office documents checked part by part, and the name a stored file is sent under (crafted ZIPs, real files)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.drawing.image import Image

from engine.errors import InvalidFile
from engine.evidence.filetypes import detect, download_name
from tests.engine.evidence.test_filestore import GIF, JPEG, PDF, WINDOWS_EXE, make_zip, png

LIMIT = 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CLASS_FILE = b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(120)


def word(**extra: bytes) -> bytes:
    """A minimal Word document (content types, relationships, properties, body, a picture) plus ``extra`` parts."""
    return make_zip({"[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
                     "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
                     "docProps/core.xml": b'<?xml version="1.0"?><coreProperties/>',
                     "word/document.xml": b'<?xml version="1.0"?><document/>',
                     "word/_rels/document.xml.rels": b'<?xml version="1.0"?><Relationships/>',
                     "word/media/image1.png": png(), **extra})


def kind_of(tmp_path: Path, content: bytes) -> str:
    path = tmp_path / "upload"
    path.write_bytes(content)
    return detect(path, LIMIT).media_type


def test_a_plain_word_document_is_accepted(tmp_path: Path) -> None:
    assert kind_of(tmp_path, word()) == DOCX


def test_a_workbook_written_by_openpyxl_with_a_picture_is_accepted(tmp_path: Path) -> None:
    book = Workbook()
    book.active["A1"] = "监测数据"
    image = tmp_path / "logo.png"
    image.write_bytes(png())
    book.active.add_image(Image(str(image)), "B2")
    buffer = io.BytesIO()
    book.save(buffer)
    assert kind_of(tmp_path, buffer.getvalue()) == XLSX


@pytest.mark.parametrize(("part", "content", "reason"), [
    ("word/tool.exe", WINDOWS_EXE, "extension .exe"),
    ("word/Payload.class", CLASS_FILE, "extension .class"),
    ("word/lib/tool.jar", make_zip({"a.class": CLASS_FILE}), "extension .jar"),
    ("word/native.dll", WINDOWS_EXE, "extension .dll"),
    ("word/run.js", b"WScript.Echo(1)", "extension .js"),
    ("word/run.vbs", b"MsgBox 1", "extension .vbs"),
    ("word/noext", PDF, "extension .(none)"),
    ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + bytes(60), "macros"),
    ("word/media/image2.png", make_zip({"x.pdf": PDF}), "application/zip"),
    ("word/media/image3.jpeg", WINDOWS_EXE, "under a picture's name"),
    ("tools/setup.exe", WINDOWS_EXE, "not part of a .docx document"),
    ("xl/workbook.xml", b"<workbook/>", "not part of a .docx document"),
    ("payload.pdf", PDF, "not part of a .docx document"),
])
def test_a_word_document_with_a_foreign_part_is_refused(tmp_path: Path, part: str, content: bytes,
                                                          reason: str) -> None:
    with pytest.raises(InvalidFile, match="part") as refused:
        kind_of(tmp_path, word(**{part: content}))
    assert part in refused.value.message and reason in refused.value.message


def test_a_word_document_inside_a_zip_is_checked_part_by_part(tmp_path: Path) -> None:
    assert kind_of(tmp_path, make_zip({"报告.pdf": PDF, "记录.docx": word()})) == "application/zip"
    with pytest.raises(InvalidFile, match="记录.docx.*tool.exe"):
        kind_of(tmp_path, make_zip({"报告.pdf": PDF, "记录.docx": word(**{"word/tool.exe": WINDOWS_EXE})}))


@pytest.mark.parametrize(("display_name", "media_type", "sent_as"), [
    ("report.html", "application/pdf", "report.pdf"),
    ("tool.jar", DOCX, "tool.docx"),
    ("整改报告", "application/pdf", "整改报告.pdf"),
    ("photo.JPG", "image/jpeg", "photo.jpg"),
    ("a.b.exe", "image/gif", "a.b.gif"),
    (".htaccess", "image/png", ".htaccess.png"),
    ("scan.tiff", "image/tiff", "scan.tif"),
])
def test_a_file_is_sent_under_the_extension_of_its_detected_type(display_name: str, media_type: str,
                                                                  sent_as: str) -> None:
    assert download_name(display_name, media_type) == sent_as


def test_pictures_still_detected(tmp_path: Path) -> None:
    assert kind_of(tmp_path, JPEG) == "image/jpeg" and kind_of(tmp_path, GIF) == "image/gif"
