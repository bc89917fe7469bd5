"""The investigation export: a zip of events, their media and a SHA-256 manifest.

Layout of the zip:
  events.json       the matching events as a JSON array, newest first, as stored
  events.csv        the same events, one row each (hub.exports.event_rows)
  export.json       who exported what, when, and what the zip holds
  media/<sha256>.<ext>   every media object the events refer to that the hub has
  manifest.sha256   `<hex>  <path>` for every other file: `sha256sum -c manifest.sha256`
"""

from __future__ import annotations

import hashlib
import mimetypes
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

import orjson

from hub.exports.event_rows import BOM, EVENT_COLUMNS, csv_text, event_row
from hub.ledger import Ledger
from hub.records import EventQuery

MAX_EXPORT_EVENTS = 100_000
PAGE_SIZE = 1000
_CHUNK = 1 << 20
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "video/mp4": "mp4"}


class TooManyEvents(ValueError):
    """More events match than one export may hold."""


@dataclass(frozen=True, slots=True)
class InvestigationZip:
    """What was written: the zip's own hash and size, and what it holds."""

    sha256: str
    size: int
    manifest_sha256: str
    events: int
    media: int
    media_missing: tuple[str, ...]  # referenced, but the hub has no (intact) copy


class _HashingWriter:
    """Passes bytes on to `target` and hashes them on the way."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.hash = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.hash.update(data)
        self.target.write(data)


def write_investigation_zip(
    ledger: Ledger,
    query: EventQuery,
    target: IO[bytes],
    about: Mapping[str, Any],
    max_events: int = MAX_EXPORT_EVENTS,
    page_size: int = PAGE_SIZE,
) -> InvestigationZip:
    """Write the zip of the events matching `query` into `target` (seekable, at 0).

    `about` goes into export.json (who, when, the filters). TooManyEvents if more than
    `max_events` match; `target` then holds a partial zip to throw away.
    """
    hashes: dict[str, str] = {}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive, \
            tempfile.TemporaryFile() as csv_spool:
        events, media = _write_events(ledger, query, archive, csv_spool, hashes, max_events,
                                      page_size)
        csv_spool.seek(0)
        with archive.open("events.csv", "w", force_zip64=True) as entry:
            shutil.copyfileobj(csv_spool, entry, _CHUNK)
        missing = _write_media(ledger, media, archive, hashes)
        summary = {**about, "events": events, "media_files": len(media) - len(missing),
                   "media_missing": list(missing)}
        export_json = orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n"
        archive.writestr("export.json", export_json)
        hashes["export.json"] = hashlib.sha256(export_json).hexdigest()
        manifest = "".join(f"{digest}  {path}\n" for path, digest in sorted(hashes.items()))
        archive.writestr("manifest.sha256", manifest)
    target.seek(0)
    whole = hashlib.sha256()
    size = 0
    while chunk := target.read(_CHUNK):
        whole.update(chunk)
        size += len(chunk)
    target.seek(0)
    return InvestigationZip(
        sha256=whole.hexdigest(), size=size,
        manifest_sha256=hashlib.sha256(manifest.encode("utf-8")).hexdigest(),
        events=events, media=len(media) - len(missing), media_missing=missing,
    )


def _write_events(
    ledger: Ledger,
    query: EventQuery,
    archive: zipfile.ZipFile,
    csv_spool: IO[bytes],
    hashes: dict[str, str],
    max_events: int,
    page_size: int,
) -> tuple[int, dict[str, str]]:
    """events.json into the zip and events.csv into the spool, in one pass over the ledger
    (a zip takes one entry at a time); both files' hashes go into `hashes`."""
    media: dict[str, str] = {}  # sha256 → content type, first seen
    count = 0
    csv_out = _HashingWriter(csv_spool)
    csv_out.write((BOM + csv_text([list(EVENT_COLUMNS)])).encode("utf-8"))
    page_query = replace(query, limit=page_size, cursor=None)
    # zip64: a year of a busy site's events can pass the 4 GiB of a plain zip entry.
    with archive.open("events.json", "w", force_zip64=True) as entry:
        json_out = _HashingWriter(entry)
        json_out.write(b"[")
        while True:
            page = ledger.search_events(page_query)
            if count + len(page.items) > max_events:
                raise TooManyEvents(
                    f"more than {max_events} events match: narrow the search "
                    "(a shorter time range, a site, a gate)"
                )
            for item in page.items:
                json_out.write((b"\n" if count == 0 else b",\n") + orjson.dumps(item))
                count += 1
                refs = item.get("media")
                for ref in refs if isinstance(refs, list) else ():
                    media.setdefault(ref["sha256"], ref["content_type"])
            csv_out.write(csv_text(event_row(item) for item in page.items).encode("utf-8"))
            if page.next_cursor is None:
                break
            page_query = replace(page_query, cursor=page.next_cursor)
        json_out.write(b"\n]\n")
    hashes["events.json"] = json_out.hash.hexdigest()
    hashes["events.csv"] = csv_out.hash.hexdigest()
    return count, media


def _write_media(
    ledger: Ledger, media: Mapping[str, str], archive: zipfile.ZipFile, hashes: dict[str, str]
) -> tuple[str, ...]:
    """Copy every stored, intact media object into the zip; the hashes of those it lacks."""
    stored = ledger.media_paths(media)
    missing = []
    for sha256 in sorted(media):
        path = stored.get(sha256)
        # Hashed before it goes in: a file damaged on disk is reported, not passed on as
        # evidence under a name it no longer matches.
        if path is None or _file_sha256(Path(path)) != sha256:
            missing.append(sha256)
            continue
        name = f"media/{sha256}.{_extension(media[sha256])}"
        archive.write(path, name, compress_type=zipfile.ZIP_STORED)  # JPEG, MP4: compressed
        hashes[name] = sha256
    return tuple(missing)


def _file_sha256(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _extension(content_type: str) -> str:
    known = _EXTENSIONS.get(content_type)
    if known is not None:
        return known
    guessed = mimetypes.guess_extension(content_type, strict=False)
    return guessed.lstrip(".") if guessed else "bin"
