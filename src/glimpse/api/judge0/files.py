"""Judge0's `additional_files`: a zip, base64-encoded, whose files sit beside the source for both
compiling and running. The archive is hostile: it is read with bounds that do not trust its
headers (a declared size may lie), and a link, a path leaving the workspace, an encrypted entry,
too many files or too many bytes refuse the request with the field named."""

from __future__ import annotations

import base64
import binascii
import io
import stat
import zipfile
from typing import NoReturn

from glimpse.api.errors import InvalidRequest
from glimpse.models import MAX_FILES, MAX_SOURCE_BYTES
from glimpse.paths import check_relative_name

FIELD = "additional_files"
MAX_ARCHIVE_BYTES = 4 * 1024 * 1024  # the zip itself, decoded; it must fit the 5 MiB body as base64 anyway


def additional_files(encoded: str, *, taken: set[str], room: int) -> list[dict[str, str]]:
    """The archive's files as the contract's `files` (base64 content), `room` bytes at most in
    all. A file whose name is `taken` (the source's) is skipped: the submitted source wins, as
    Judge0 unzips with -n."""
    archive = _archive(encoded)
    files, total = [], 0
    for entry in archive.infolist():
        if entry.is_dir():
            continue
        name = _checked_name(entry)
        if name in taken:
            continue
        if len(files) + len(taken) >= MAX_FILES:
            _refuse(f"holds more than {MAX_FILES - len(taken)} files")
        data = _read_bounded(archive, entry, room - total)
        total += len(data)
        files.append({"name": name, "content": base64.b64encode(data).decode(), "encoding": "base64"})
    return files


def _archive(encoded: str) -> zipfile.ZipFile:
    try:
        data = base64.b64decode(encoded.replace("\n", "").replace("\r", ""), validate=True)
    except binascii.Error:
        _refuse("is not valid base64")
    if len(data) > MAX_ARCHIVE_BYTES:
        _refuse(f"is larger than {MAX_ARCHIVE_BYTES} bytes")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        _refuse("is not a zip archive")


def _checked_name(entry: zipfile.ZipInfo) -> str:
    if entry.flag_bits & 0x1:
        _refuse(f"{entry.filename!r} is encrypted")
    if stat.S_ISLNK(entry.external_attr >> 16):
        _refuse(f"{entry.filename!r} is a link; only regular files are taken")
    try:
        return check_relative_name(entry.filename)
    except ValueError as error:
        _refuse(str(error))


def _read_bounded(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, room: int) -> bytes:
    """The entry's bytes, reading at most one byte past `room` whatever its header declares."""
    try:
        with archive.open(entry) as stream:
            data = stream.read(room + 1)
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OSError) as error:
        _refuse(f"{entry.filename!r} cannot be extracted: {error}")
    if len(data) > room:
        _refuse(f"extracts to more than {MAX_SOURCE_BYTES} bytes with the source")
    return data


def _refuse(message: str) -> NoReturn:
    raise InvalidRequest.for_field(FIELD, message)
