"""Written by `nox -s generate`: what this package was generated from. Do not edit."""

SPEC = "specs/edgeimpulse.yaml"
SPEC_SHA256 = "853a7917466c9583c55b5783c8122757c3a1509fd47c0d00499557bfa427c522"
GENERATOR = "openapi-python-client"
GENERATOR_VERSION = "0.29.1"
