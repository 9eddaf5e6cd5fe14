"""Where a report goes: a local file, a stream, or an object store (through fsspec)."""
