"""Where a report goes: a local file, a stream (stdout), memory, or an object store through fsspec.

    from usage_reports import destinations

    destinations.resolve("s3://bucket/usage/2026-10/x.csv")     # ObjectLocation(protocol='s3', ...), no I/O
    destinations.join("s3://bucket/usage/2026-10", "manifest.json")
    destinations.write_text_atomic("s3://bucket/usage/2026-10/manifest.json", "{}\\n")

Sinks receive a report's bytes while it streams (``FileSink``: a temporary file
renamed into place; ``StreamSink``: each chunk as it arrives; ``MemorySink``;
``RemoteSink``: a local spool uploaded at commit). The helpers (``join``,
``exists``, ``read_text``, ``write_text_atomic``, ``sha256_of``, ``remove``)
take a local path or a store URL alike and block. Object stores are fsspec
filesystems (``pip install 'usage-reports[s3]'``, ``[gcs]``, ``[azure]``):
nothing here imports fsspec or a store's package until a URL is used.
"""

from ._object_stores import PROTOCOLS, ObjectLocation, ObjectStore, store_for
from ._sinks import (
    BinaryStream,
    FileSink,
    MemorySink,
    ProgressCallback,
    Received,
    Sink,
    StreamSink,
    check_destination,
    fetch_size_cap,
    is_stream,
)
from ._storage import (
    Location,
    RemoteSink,
    exists,
    is_remote,
    join,
    read_text,
    remove,
    resolve,
    sha256_of,
    write_text_atomic,
)

__all__ = [
    "PROTOCOLS",
    "BinaryStream",
    "FileSink",
    "Location",
    "MemorySink",
    "ObjectLocation",
    "ObjectStore",
    "ProgressCallback",
    "Received",
    "RemoteSink",
    "Sink",
    "StreamSink",
    "check_destination",
    "exists",
    "fetch_size_cap",
    "is_remote",
    "is_stream",
    "join",
    "read_text",
    "remove",
    "resolve",
    "sha256_of",
    "store_for",
    "write_text_atomic",
]
