"""Which evidence files EcoLoop accepts, told from their content alone.

The declared name and extension of an upload are never trusted: a file is
accepted only when its bytes are a PDF, a common image, a Word, Excel or
PowerPoint document, or a ZIP archive holding only such files. Magic numbers
come from the ``filetype`` library; this module adds the ZIP rules (OOXML
recognition, zip-bomb, path and encryption checks) that a signature cannot give.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import filetype

from engine.errors import InvalidFile

SNIFF_BYTES = 8192
"""How much of a file, or of each archive member, is read to tell its type."""

MAX_ARCHIVE_MEMBERS = 1000
ARCHIVE_EXPANSION = 10
"""An archive may unpack to at most this many times the upload size limit."""

_LEAF_EXTENSIONS = frozenset({"pdf", "jpg", "png", "gif", "webp", "bmp", "tif", "doc", "xls", "ppt"})
_OOXML_FOLDERS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_OOXML_SHARED_FOLDERS = ("_rels/", "docProps/", "customXml/")
_OOXML_CONTENT_TYPES = "[Content_Types].xml"
_OOXML_PART_EXTENSIONS = frozenset({"xml", "rels", "png", "jpeg", "jpg", "gif", "bmp", "tif", "tiff", "emf", "wmf",
                                    "svg", "wdp", "odttf", "vml"})
"""What an Office document's parts may be: XML, relationships, pictures, embedded fonts and legacy drawings.
Anything else (``.exe``, ``.class``, ``.jar``, ``.dll``, ``.js``, ``.vbs``, OLE embeddings, other archives) is refused."""
_OOXML_PRINTER_SETTINGS = re.compile(r"^(word|xl|ppt)/printerSettings/printerSettings\d+\.bin$")
_OOXML_MACRO_PARTS = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml)$", re.IGNORECASE)
_OOXML_EXTENSIONS = frozenset(_OOXML_FOLDERS.values())
_ZIP_EXTENSIONS = _OOXML_EXTENSIONS | {"zip"}
_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})
_ZIP_ENCRYPTED_FLAG = 0x1
_PATH_SEPARATORS = re.compile(r"[\\/]")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
_ACCEPTED = "PDF, JPEG, PNG, GIF, WebP, BMP, TIFF, Word, Excel, PowerPoint, or a ZIP of these"
# What zipfile and zlib raise on a damaged archive, besides BadZipFile.
_DAMAGED_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OverflowError)


@dataclass(frozen=True)
class FileKind:
    """An accepted type: its IANA media type and usual extension (without dot)."""

    media_type: str
    extension: str


def describe_size(n_bytes: int) -> str:
    """Render a byte count for people, e.g. ``'20 MiB (20971520 bytes)'``."""
    return f"{n_bytes / (1024 * 1024):.3g} MiB ({n_bytes} bytes)"


def detect(path: Path, max_bytes: int) -> FileKind:
    """Tell the type of the file at ``path`` from its content.

    :param max_bytes: the upload limit; an archive may unpack to
        ``ARCHIVE_EXPANSION`` times as much.
    :raises InvalidFile: the content is empty, unknown, of a type not accepted,
        or an archive that breaks one of the archive rules; the message says which.
    """
    with path.open("rb") as stream:
        prefix = stream.read(SNIFF_BYTES)
    kind = _guess(prefix, "the file")
    if kind.extension in _ZIP_EXTENSIONS:
        return _inspect_zip(path, max_bytes * ARCHIVE_EXPANSION)
    return _accept_leaf(kind, "the file")


def _guess(prefix: bytes, what: str) -> FileKind:
    """Tell any type the ``filetype`` library knows, accepted or not."""
    if not prefix:
        raise InvalidFile(f"{what} is empty")
    guessed = filetype.guess(prefix)
    if guessed is None or (guessed.extension == "bmp" and not _is_plausible_bmp(prefix)):
        raise InvalidFile(f"{what} is of an unknown type; accepted are {_ACCEPTED}")
    return FileKind(media_type=guessed.mime, extension=guessed.extension)


def _is_plausible_bmp(prefix: bytes) -> bool:
    """Check the DIB header size too: ``filetype`` takes any text starting ``BM`` for a bitmap."""
    return len(prefix) >= 18 and int.from_bytes(prefix[14:18], "little") in _BMP_HEADER_SIZES


def _accept_leaf(kind: FileKind, what: str) -> FileKind:
    if kind.extension not in _LEAF_EXTENSIONS:
        raise InvalidFile(
            f"{what} is {kind.media_type} (.{kind.extension}), which is not accepted; "
            f"accepted are {_ACCEPTED}"
        )
    return kind


def _kind_for(extension: str) -> FileKind:
    matcher = filetype.get_type(ext=extension)
    return FileKind(media_type=matcher.mime, extension=matcher.extension)


def extension_for(media_type: str) -> str | None:
    """The usual extension (without dot) of an accepted media type, ``None`` for another one."""
    matcher = filetype.get_type(mime=media_type)
    return matcher.extension if matcher is not None else None


def download_name(display_name: str, media_type: str) -> str:
    """The name to send a stored file under: its uploaded stem with the extension of its detected type.

    A PDF uploaded as ``report.html`` is sent as ``report.pdf``, a Word file named ``tool.jar`` as ``tool.docx``.
    """
    extension = extension_for(media_type) or "bin"
    stem, dot, _old = display_name.rpartition(".")
    return f"{(stem if dot and stem else display_name) or 'file'}.{extension}"


def _inspect_zip(path: Path, max_unpacked: int) -> FileKind:
    """Tell an OOXML document from a ZIP archive, checking both against zip bombs and tricks."""
    try:
        with zipfile.ZipFile(path) as archive:
            files = _checked_members(archive.infolist(), max_unpacked)
            ooxml = _ooxml_kind(archive.namelist())
            if ooxml is not None:
                _check_ooxml_parts(archive, files, ooxml, "the file")
                return ooxml
            _check_member_types(archive, files)
    except _DAMAGED_ZIP_ERRORS as exc:
        raise InvalidFile(f"the file is a damaged ZIP archive ({exc})") from exc
    return _kind_for("zip")


def _check_ooxml_parts(archive: zipfile.ZipFile, files: list[zipfile.ZipInfo], kind: FileKind, what: str) -> None:
    """Every part of an Office document must be one it is made of; macros, programs and archives are refused.

    :raises InvalidFile: naming the first part that does not belong.
    """
    main = next(folder for folder, extension in _OOXML_FOLDERS.items() if extension == kind.extension)
    for info in files:
        name = info.filename
        part = f"{what}: part {name!r}"
        if _OOXML_MACRO_PARTS.search(name):
            raise InvalidFile(f"{part} holds macros, which are not accepted")
        if name == _OOXML_CONTENT_TYPES or _OOXML_PRINTER_SETTINGS.match(name):
            continue
        if not name.startswith((main, *_OOXML_SHARED_FOLDERS)):
            raise InvalidFile(f"{part} is not part of a .{kind.extension} document")
        extension = name.rpartition(".")[2].lower() if "." in name.rpartition("/")[2] else ""
        if extension not in _OOXML_PART_EXTENSIONS:
            raise InvalidFile(f"{part} has the extension .{extension or '(none)'}, "
                              f"which an Office document's parts may not have")
        if extension not in ("xml", "rels", "vml"):
            _check_ooxml_media(_member_prefix(archive, info, part), part)


def _check_ooxml_media(prefix: bytes, part: str) -> None:
    """A picture or font part must not be a program or an archive under a picture's name."""
    guessed = filetype.guess(prefix) if prefix else None
    if guessed is not None and not guessed.mime.startswith(("image/", "font/")):
        raise InvalidFile(f"{part} is {guessed.mime} (.{guessed.extension}) under a picture's name")


def _checked_members(infos: list[zipfile.ZipInfo], max_unpacked: int) -> list[zipfile.ZipInfo]:
    """Apply the structural archive rules; return the members that are files.

    Sizes are the declared ones: ``zipfile`` never inflates a member beyond its
    declared size, so a lying header cannot get past this limit.
    """
    if len(infos) > MAX_ARCHIVE_MEMBERS:
        raise InvalidFile(
            f"the archive has {len(infos)} members; at most {MAX_ARCHIVE_MEMBERS} are accepted"
        )
    unpacked = 0
    for info in infos:
        _check_member_name(info.filename)
        if info.flag_bits & _ZIP_ENCRYPTED_FLAG:
            raise InvalidFile(f"archive member {info.filename!r} is encrypted")
        unpacked += info.file_size
        if unpacked > max_unpacked:
            raise InvalidFile(f"the archive unpacks to more than {describe_size(max_unpacked)}")
    return [info for info in infos if not info.is_dir()]


def _check_member_name(name: str) -> None:
    parts = _PATH_SEPARATORS.split(name)
    if name.startswith(("/", "\\")) or _WINDOWS_DRIVE.match(name) or ".." in parts:
        raise InvalidFile(f"archive member {name!r} has an absolute path or a '..' part")


def _ooxml_kind(names: list[str]) -> FileKind | None:
    """Recognise docx/xlsx/pptx by their ``[Content_Types].xml`` and main folder."""
    if "[Content_Types].xml" not in names:
        return None
    for folder, extension in _OOXML_FOLDERS.items():
        if any(name.startswith(folder) for name in names):
            return _kind_for(extension)
    return None


def _check_member_types(archive: zipfile.ZipFile, files: list[zipfile.ZipInfo]) -> None:
    """Every member must be an accepted document; archives inside archives are refused.

    An OOXML member is itself a ZIP: it is recognised from its first entries
    (as ``filetype`` does), since only a bounded prefix of each member is read.
    """
    if not files:
        raise InvalidFile("the archive contains no files")
    for info in files:
        what = f"archive member {info.filename!r}"
        kind = _guess(_member_prefix(archive, info, what), what)
        if kind.extension == "zip":
            raise InvalidFile(f"{what} is itself an archive; archives inside archives are not accepted")
        if kind.extension in _OOXML_EXTENSIONS:
            _check_nested_ooxml(archive, info, what)
        else:
            _accept_leaf(kind, what)


def _check_nested_ooxml(archive: zipfile.ZipFile, info: zipfile.ZipInfo, what: str) -> None:
    """An Office document inside a ZIP is checked part by part like one uploaded alone.

    Its size is already bounded by the archive's unpacked-size limit.
    """
    with archive.open(info) as member:
        data = io.BytesIO(member.read())
    with zipfile.ZipFile(data) as inner:
        files = _checked_members(inner.infolist(), info.file_size * ARCHIVE_EXPANSION)
        kind = _ooxml_kind(inner.namelist())
        if kind is None:
            raise InvalidFile(f"{what} is itself an archive; archives inside archives are not accepted")
        _check_ooxml_parts(inner, files, kind, what)


def _member_prefix(archive: zipfile.ZipFile, info: zipfile.ZipInfo, what: str) -> bytes:
    try:
        with archive.open(info) as member:
            return member.read(SNIFF_BYTES)
    except NotImplementedError as exc:
        raise InvalidFile(f"{what} uses a compression method that is not supported") from exc
