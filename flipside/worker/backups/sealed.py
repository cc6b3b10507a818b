"""The backup file: a manifest and the database's bytes, encrypted and authenticated.

A backup file starts with ``MAGIC`` in the clear, then a sequence of frames, each a 4-byte
length and a Fernet token (stored as raw bytes rather than Fernet's base64, a quarter
smaller). Every frame's plaintext starts with the file's random id, the frame's number and its
kind, so frames cannot be reordered, dropped, repeated or taken from another backup without
the reader noticing. The first frame is the manifest (JSON), the last an end frame with the
number of data bytes and their SHA-256, so a truncated file is refused too.

Fernet is AES-128-CBC with an HMAC-SHA256 tag, the same as ``privacy.crypto`` uses for
fields, but with keys of their own (``BACKUP_ENCRYPTION_KEYS``): a backup is kept away from
the server, and its key should not also open the fields encrypted inside it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from collections.abc import Iterable, Iterator
from typing import IO, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

MAGIC = b"FLIPSIDE-BACKUP\n"
FORMAT = 1
CHUNK = 1 << 20  # plaintext bytes per data frame
# Fernet adds a version, time, IV, padding and tag: far less than this to a 1 MiB chunk.
MAX_FRAME = CHUNK + 4096
_HEAD = struct.Struct(">16sQc")  # file id, frame number, kind
MANIFEST, DATA, END = b"M", b"D", b"E"


class BackupError(Exception):
    """A backup cannot be made, read or restored; the message says why and what to do."""


def keys() -> MultiFernet:
    """The backup keys, newest first: backups are made with the first, read with any."""
    configured = list(getattr(settings, "BACKUP_ENCRYPTION_KEYS", []))
    if not configured:
        raise BackupError(
            "BACKUP_ENCRYPTION_KEYS is not set. Generate a key with: python -c 'from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' and keep "
            "a copy somewhere other than the server and its backups."
        )
    try:
        return MultiFernet([Fernet(key) for key in configured])
    except ValueError as error:
        raise BackupError(
            "BACKUP_ENCRYPTION_KEYS holds something that is not a Fernet key (32 bytes in "
            "URL-safe base64)."
        ) from error


def write(out: IO[bytes], manifest: dict[str, Any], data: Iterable[bytes]) -> None:
    """Write ``manifest`` and then ``data`` (chunks of any size) to ``out``, encrypted."""
    fernet = keys()
    file_id = os.urandom(16)
    number = 0

    def frame(kind: bytes, body: bytes) -> None:
        nonlocal number
        token = base64.urlsafe_b64decode(fernet.encrypt(_HEAD.pack(file_id, number, kind) + body))
        out.write(struct.pack(">I", len(token)) + token)
        number += 1

    out.write(MAGIC)
    frame(MANIFEST, json.dumps(manifest, sort_keys=True).encode())
    digest, size = hashlib.sha256(), 0
    for chunk in _rechunk(data):
        digest.update(chunk)
        size += len(chunk)
        frame(DATA, chunk)
    frame(END, json.dumps({"bytes": size, "sha256": digest.hexdigest()}).encode())


def _rechunk(data: Iterable[bytes]) -> Iterator[bytes]:
    buffer = bytearray()
    for piece in data:
        buffer += piece
        while len(buffer) >= CHUNK:
            yield bytes(buffer[:CHUNK])
            del buffer[:CHUNK]
    if buffer:
        yield bytes(buffer)


class Reader:
    """Reads a backup file frame by frame, refusing anything not exactly as written."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.fernet = keys()
        self.number = 0
        self.file_id = b""
        if source.read(len(MAGIC)) != MAGIC:
            raise BackupError("This is not a Flipside backup file (it does not start like one).")
        kind, body = self._frame(first=True)
        if kind != MANIFEST:
            raise BackupError("This backup file is damaged: it does not start with its manifest.")
        self.manifest: dict[str, Any] = json.loads(body)
        if self.manifest.get("format") != FORMAT:
            raise BackupError(
                f"This backup file is in format {self.manifest.get('format')!r}; this version "
                f"of Flipside reads format {FORMAT}."
            )

    def data(self) -> Iterator[bytes]:
        """The database's bytes; raises ``BackupError`` at the first sign of damage, and only
        finishes once the end frame has confirmed every byte."""
        digest, size = hashlib.sha256(), 0
        while True:
            kind, body = self._frame()
            if kind == END:
                end = json.loads(body)
                if end != {"bytes": size, "sha256": digest.hexdigest()}:
                    raise BackupError("This backup file is damaged: its data does not add up.")
                if self.source.read(1):
                    raise BackupError("This backup file is damaged: it goes on after its end.")
                return
            if kind != DATA:
                raise BackupError("This backup file is damaged: a frame is out of place.")
            digest.update(body)
            size += len(body)
            yield body

    def _frame(self, *, first: bool = False) -> tuple[bytes, bytes]:
        length_bytes = self.source.read(4)
        if len(length_bytes) < 4:
            raise BackupError("This backup file is incomplete: it ends before its last frame.")
        (length,) = struct.unpack(">I", length_bytes)
        token = self.source.read(length) if length <= MAX_FRAME else b""
        if not token or len(token) != length:
            raise BackupError("This backup file is damaged or incomplete.")
        try:
            plain = self.fernet.decrypt(base64.urlsafe_b64encode(token))
        except InvalidToken as error:
            if first:
                raise BackupError(
                    "This backup cannot be opened with the keys in BACKUP_ENCRYPTION_KEYS: it "
                    "was made with another key, or it has been changed since it was made."
                ) from error
            raise BackupError(
                "This backup file has been changed or damaged since it was made (a frame "
                "fails its authentication check)."
            ) from error
        file_id, number, kind = _HEAD.unpack_from(plain)
        if first:
            self.file_id = file_id
        if file_id != self.file_id or number != self.number:
            raise BackupError("This backup file is damaged: its frames are out of order.")
        self.number += 1
        return kind, plain[_HEAD.size :]
