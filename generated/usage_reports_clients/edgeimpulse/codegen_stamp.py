"""Written by `nox -s generate`: what this package was generated from. Do not edit."""

SPEC = "specs/edgeimpulse.yaml"
SPEC_SHA256 = "6df1c699832613deab5bad90c71606b97f1ae14dbffd617bc8aa0ead77acbe7d"
GENERATOR = "openapi-python-client"
GENERATOR_VERSION = "0.29.1"
