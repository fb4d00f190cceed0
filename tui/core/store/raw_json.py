"""The raw JSON line of each result, stored once: without its answer text, zstd-compressed.

The answer text is already stored, decoded, in the ``text`` column (the list and the full-text
index need it). Where the line holds it as exactly ``orjson.dumps(text)``, once, that string is
cut out and a NUL byte (which valid JSON never contains) marks the hole; reading puts it back.
A line that spells its text otherwise (other escapes, several text blocks) is kept whole.

The lines of one batch repeat the same keys, ids and shapes, so a dictionary trained on the
batch's first chunk shrinks each line ~10x where plain zstd on one short line barely helps.
Measured on the simulator's 100,000-result batch: 1,130 bytes per line (~590 of them answer
text) become ~50.

A stored value is either a zstd frame (it names its dictionary by id, a row of
``raw_dictionaries``) or, for rows written before this or batches too small to train on, the
line itself, which starts with ``{``. Reading tells them apart by the zstd magic number.
Dictionaries are never deleted: a frame must always find its own.
"""

from __future__ import annotations

import orjson
import zstandard

from tui.core.store.database import Database

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
HOLE = b"\x00"
"""Where the answer text was cut out of a stored line."""

MIN_SAMPLES = 500
"""Lines a first chunk needs to train a dictionary on; smaller batches are stored plain."""

DICTIONARY_BYTES = 16 * 1024
"""Measured: 16 KiB compressed as well as 32 or 110 KiB, and faster."""

LEVEL = 3


class RawJsonCodec:
    """Compressors per batch being written, decompressors per dictionary being read."""

    def __init__(self, db: Database):
        self._db = db
        self._compressors: dict[str, zstandard.ZstdCompressor | None] = {}
        self._decompressors: dict[int, zstandard.ZstdDecompressor] = {}

    async def compress(self, batch_id: str, lines: list[tuple[bytes, str | None]]) -> list[bytes]:
        """``(raw JSON, answer text)`` of results of ``batch_id``, as they are to be stored."""
        cut = [without_text(raw, text) for raw, text in lines]
        compressor = await self._compressor(batch_id, cut)
        if compressor is None:
            return [raw for raw, _ in lines]  # small batches are stored as they came
        return [compressor.compress(line) if line else line for line in cut]

    async def decompress(self, stored: bytes, text: str | None) -> bytes:
        """The raw JSON line of a stored value (``text``: the row's answer text)."""
        if not stored.startswith(ZSTD_MAGIC):
            return stored
        dictionary_id = zstandard.get_frame_parameters(stored).dict_id
        decompressor = self._decompressors.get(dictionary_id)
        if decompressor is None:
            row = await self._db.fetchone(
                "SELECT data FROM raw_dictionaries WHERE id = ?", (dictionary_id,)
            )
            data = zstandard.ZstdCompressionDict(bytes(row["data"])) if row else None
            decompressor = zstandard.ZstdDecompressor(dict_data=data)
            self._decompressors[dictionary_id] = decompressor
        line = bytes(decompressor.decompress(stored))
        if HOLE in line and text is not None:
            line = line.replace(HOLE, orjson.dumps(text), 1)
        return line

    async def _compressor(
        self, batch_id: str, lines: list[bytes]
    ) -> zstandard.ZstdCompressor | None:
        if batch_id in self._compressors:
            return self._compressors[batch_id]
        row = await self._db.fetchone(
            "SELECT data FROM raw_dictionaries WHERE batch_id = ?", (batch_id,)
        )
        dictionary: zstandard.ZstdCompressionDict | None
        if row is not None:
            dictionary = zstandard.ZstdCompressionDict(bytes(row["data"]))
        elif len(lines) >= MIN_SAMPLES:
            dictionary = await self._train(batch_id, lines)
        else:
            dictionary = None
        compressor = None
        if dictionary is not None:
            compressor = zstandard.ZstdCompressor(
                level=LEVEL, dict_data=dictionary, write_checksum=False, write_content_size=True
            )
        self._compressors[batch_id] = compressor
        return compressor

    async def _train(
        self, batch_id: str, lines: list[bytes]
    ) -> zstandard.ZstdCompressionDict | None:
        """Train a dictionary on ``lines`` and store it, committed before any row uses it
        (None if zstd cannot train on them: the batch is then stored plain)."""
        async with self._db.transaction() as conn:
            async with conn.execute("SELECT coalesce(max(id), 0) + 1 FROM raw_dictionaries") as c:
                row = await c.fetchone()
            dictionary_id = row[0] if row is not None else 1
            try:
                dictionary = zstandard.train_dictionary(
                    DICTIONARY_BYTES, [line for line in lines if line], dict_id=dictionary_id
                )
            except zstandard.ZstdError:
                return None
            # Another process may have trained one for this batch meanwhile: theirs wins.
            await conn.execute(
                "INSERT OR IGNORE INTO raw_dictionaries (id, batch_id, data) VALUES (?, ?, ?)",
                (dictionary_id, batch_id, dictionary.as_bytes()),
            )
            async with conn.execute(
                "SELECT data FROM raw_dictionaries WHERE batch_id = ?", (batch_id,)
            ) as cursor:
                stored = await cursor.fetchone()
        assert stored is not None  # inserted above, or there already
        return zstandard.ZstdCompressionDict(bytes(stored[0]))


def without_text(raw: bytes, text: str | None) -> bytes:
    """``raw`` with its answer text cut out, if it holds it once exactly as orjson writes it
    (then putting ``orjson.dumps(text)`` back where the hole is gives ``raw`` again)."""
    if not text or HOLE in raw:
        return raw
    quoted = orjson.dumps(text)
    at = raw.find(quoted)
    if at < 0 or raw.find(quoted, at + 1) >= 0:
        return raw
    return raw[:at] + HOLE + raw[at + len(quoted) :]
