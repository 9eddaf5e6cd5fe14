"""Content-Encoding decoding with bounded memory, and the refusal of decompression bombs.

httpx decodes each network chunk whole: 64 KiB of gzip can become 64 MiB at
once. Here the raw bytes are inflated incrementally, never more than
``piece`` bytes at a time, and a body that inflates more than ``max_ratio``
times over (past the first ``grace`` bytes) is refused. gzip (and x-gzip),
deflate (zlib-wrapped or raw) and identity are understood; the library never
asks for any encoding, so another one is refused rather than stored encoded.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from ._constants import COMPRESSION_RATIO_GRACE, DECODED_PIECE_SIZE, MAX_COMPRESSION_RATIO


class BodyRefused(Exception):
    """The body is not taken: it cannot be decoded, inflates implausibly, or exceeds a size cap.

    Internal: the engine turns it into UnexpectedResponse.
    """


_GZIP = frozenset({"gzip", "x-gzip"})
_DEFLATE = frozenset({"deflate"})
_IDENTITY = frozenset({"", "identity"})


def _encodings(header: str) -> list[str]:
    return [part.strip().lower() for part in header.split(",") if part.strip().lower() not in _IDENTITY]


class BodyDecoder:
    """Feed raw body bytes in; take decoded pieces of at most ``piece`` bytes out."""

    def __init__(
        self,
        content_encoding: str = "",
        *,
        piece: int = DECODED_PIECE_SIZE,
        max_ratio: float = MAX_COMPRESSION_RATIO,
        grace: int = COMPRESSION_RATIO_GRACE,
    ) -> None:
        encodings = _encodings(content_encoding)
        if len(encodings) > 1 or (encodings and encodings[0] not in _GZIP | _DEFLATE):
            raise BodyRefused(f"unsupported Content-Encoding {content_encoding.strip()!r} (it was never asked for)")
        self.encoding = encodings[0] if encodings else "identity"
        self.piece = piece
        self.max_ratio = max_ratio
        self.grace = grace
        self.raw = 0  # compressed bytes consumed
        self.decoded = 0
        self._zlib: zlib._Decompress | None = None
        self._fed = 0
        self._started = False

    def _new_decompressor(self, first: bytes) -> zlib._Decompress:
        if self.encoding in _GZIP:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # deflate: RFC 9110 means zlib-wrapped, but servers often send raw deflate.
        wrapped = len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded pieces of ``data``; BodyRefused when it cannot be decoded or inflates implausibly."""
        if self.encoding == "identity":
            self.raw += len(data)
            self.decoded += len(data)
            if data:
                yield data
            return
        self._fed += len(data)
        while data:
            if self._zlib is None:
                self._zlib = self._new_decompressor(data)
            elif self._zlib.eof:
                if self.encoding not in _GZIP or not data.startswith(b"\x1f\x8b"):
                    self.raw = self._fed  # trailing bytes after the end marker are ignored, as httpx does
                    return
                self._zlib = self._new_decompressor(data)  # a further gzip member (RFC 1952 allows several)
            try:
                out = self._zlib.decompress(data, self.piece)
            except zlib.error as exc:
                raise BodyRefused(f"the body is labelled {self.encoding} but is not ({exc})") from None
            data = self._zlib.unconsumed_tail or self._zlib.unused_data
            self.raw = self._fed - len(data)
            if out:
                self.decoded += len(out)
                self._check_ratio()
                yield out

    def flush(self) -> Iterator[bytes]:
        """Whatever the decompressor still holds; BodyRefused when the compressed stream ended early."""
        if self._zlib is None:
            return
        try:
            rest = self._zlib.flush()
        except zlib.error as exc:
            raise BodyRefused(f"the body is labelled {self.encoding} but is not ({exc})") from None
        if not self._zlib.eof:
            raise BodyRefused(f"the {self.encoding} body ends before its end marker")
        for start in range(0, len(rest), self.piece):
            piece = rest[start : start + self.piece]
            self.decoded += len(piece)
            self._check_ratio()
            yield piece

    def _check_ratio(self) -> None:
        if self.decoded > self.grace and self.decoded > self.max_ratio * max(self.raw, 1):
            raise BodyRefused(
                f"the {self.encoding} body inflates more than {self.max_ratio:g} times over "
                f"({self.raw} bytes became {self.decoded} so far): refused as a decompression bomb"
            )
