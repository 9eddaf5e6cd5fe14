"""Written by `nox -s generate`: what this package was generated from. Do not edit."""

SPEC = "specs/altostrat.yaml"
SPEC_SHA256 = "b0fda247f2a6193a11142538d3ae0af1de1d98bdd9c7c199bce39bd6a948c1e0"
GENERATOR = "openapi-python-client"
GENERATOR_VERSION = "0.29.1"
