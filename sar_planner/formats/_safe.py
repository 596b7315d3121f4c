"""Safe reading of uploaded bytes: size caps, XML without entities or DTDs, bounded zip archives.

Everything a user uploads passes through here before any format parser sees it. XML is parsed by
:mod:`defusedxml` with document type declarations forbidden outright, so neither entity expansion
("billion laughs") nor external entities can do anything; zip archives are read member by member
with caps on the number of members and on the unpacked size, checked against the headers and
again while reading (a forged header cannot unpack more than the cap).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from sar_planner.errors import FormatError

__all__ = [
    "read_local_file",
    "MAX_UPLOAD_BYTES",
    "MAX_UNZIPPED_BYTES",
    "MAX_ZIP_MEMBERS",
    "check_upload",
    "parse_xml",
    "local_name",
    "read_zip",
    "is_zip",
    "kml_from_kmz",
]

#: Largest file accepted from a user, bytes (a day of 10 Hz telemetry is far below this).
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
#: Largest total size of the members read out of one zip archive, bytes.
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
#: Most members a zip archive may hold.
MAX_ZIP_MEMBERS = 2000


def check_upload(filename: str, data: bytes) -> None:
    """Refuse empty or oversized uploads with a message that names the file.

    Raises
    ------
    FormatError
        ``formats.err_empty_file`` or ``formats.err_too_big``.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise FormatError("formats.err_not_format", file=filename, expected="bytes")
    if len(data) == 0:
        raise FormatError("formats.err_empty_file", file=filename)
    if len(data) > MAX_UPLOAD_BYTES:
        raise FormatError("formats.err_too_big", file=filename, limit_mb=MAX_UPLOAD_BYTES // 2**20)


def read_local_file(path_text: str) -> tuple[str, bytes]:
    """A file named on the command line as (base name, bytes), refused if missing or too big."""
    path = Path(path_text)
    if not path.is_file():
        raise FormatError("formats.err_missing_file", file=path_text)
    if path.stat().st_size > MAX_UPLOAD_BYTES:
        raise FormatError("formats.err_too_big", file=path.name, limit_mb=MAX_UPLOAD_BYTES // 2**20)
    return path.name, path.read_bytes()


def local_name(tag: str) -> str:
    """The tag without its ``{namespace}`` prefix (``{http://...}Placemark`` -> ``Placemark``)."""
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag.split(":")[-1]


def parse_xml(filename: str, data: bytes, expected_root: str, kind: str) -> Element:
    """Parse uploaded XML safely and check its root element.

    Parameters
    ----------
    filename:
        Shown in messages.
    data:
        The raw bytes.
    expected_root:
        Local name the root element must have (``gpx``, ``kml``).
    kind:
        Human name of the expected format for messages (``GPX``, ``KML``).

    Raises
    ------
    FormatError
        ``formats.err_unsafe_xml`` when the file declares a DTD or entities (refused, never
        expanded); ``formats.err_not_format`` when it is not well-formed XML or has another root.
    """
    try:
        root = DET.fromstring(bytes(data), forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    except DefusedXmlException:
        raise FormatError("formats.err_unsafe_xml", file=filename) from None
    except (ParseError, ValueError, UnicodeError):
        raise FormatError("formats.err_not_format", file=filename, expected=kind) from None
    if local_name(root.tag) != expected_root:
        raise FormatError("formats.err_not_format", file=filename, expected=kind)
    return root


def is_zip(data: bytes) -> bool:
    """True when ``data`` starts like a zip archive (local file header ``PK\\x03\\x04``)."""
    return bytes(data[:4]) == b"PK\x03\x04"


def read_zip(filename: str, data: bytes, wanted: tuple[str, ...]) -> dict[str, bytes]:
    """Read the members of a zip archive whose names end with one of ``wanted`` (lower case).

    Paths are returned as stored (forward slashes); members in ``__MACOSX`` folders and
    directories are skipped. Nothing is extracted to disk.

    Raises
    ------
    FormatError
        ``formats.err_zip_bad`` (not a readable zip, encrypted, too many members) or
        ``formats.err_zip_too_big`` (unpacks to more than :data:`MAX_UNZIPPED_BYTES`).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise FormatError("formats.err_zip_bad", file=filename) from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise FormatError("formats.err_zip_bad", file=filename)
    chosen = [
        i for i in infos
        if not i.is_dir() and "__MACOSX" not in PurePosixPath(i.filename).parts
        and i.filename.lower().endswith(wanted)
    ]
    if sum(i.file_size for i in chosen) > MAX_UNZIPPED_BYTES:
        raise FormatError("formats.err_zip_too_big", file=filename,
                          limit_mb=MAX_UNZIPPED_BYTES // 2**20)
    out: dict[str, bytes] = {}
    budget = MAX_UNZIPPED_BYTES
    for info in chosen:
        if info.flag_bits & 0x1:
            raise FormatError("formats.err_zip_bad", file=filename)
        try:
            with archive.open(info) as fh:
                chunk = fh.read(budget + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            raise FormatError("formats.err_zip_bad", file=filename) from None
        if len(chunk) > budget:
            raise FormatError("formats.err_zip_too_big", file=filename,
                              limit_mb=MAX_UNZIPPED_BYTES // 2**20)
        budget -= len(chunk)
        out[info.filename] = chunk
    return out


def kml_from_kmz(filename: str, data: bytes) -> bytes:
    """The main KML document inside a KMZ: ``doc.kml``, else the first ``.kml`` at the root,
    else the first anywhere (the KMZ convention of OGC KML 2.2, annex C).

    Raises
    ------
    FormatError
        ``formats.err_zip_no_member`` when the archive holds no ``.kml``; the errors of
        :func:`read_zip`.
    """
    members = read_zip(filename, data, (".kml",))
    if not members:
        raise FormatError("formats.err_zip_no_member", file=filename, expected=".kml")
    names = sorted(members, key=lambda n: (n.lower() != "doc.kml", "/" in n, n))
    return members[names[0]]
