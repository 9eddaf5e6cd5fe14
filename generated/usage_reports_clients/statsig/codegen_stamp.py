"""Written by `nox -s generate`: what this package was generated from. Do not edit."""

SPEC = "specs/statsig.yaml"
SPEC_SHA256 = "9cdef230980b7b32009b61b75e0ee4624d22e2d59e4eadf1fe97f954126fbb85"
GENERATOR = "openapi-python-client"
GENERATOR_VERSION = "0.29.1"
