"""Written by `nox -s generate`: what this package was generated from. Do not edit."""

SPEC = "specs/edgeimpulse.yaml"
SPEC_SHA256 = "fbe7ada5d2c8e8583a6530d46300ae4e5b5ddc3a16cffe762acf69e07e63015e"
GENERATOR = "openapi-python-client"
GENERATOR_VERSION = "0.29.1"
