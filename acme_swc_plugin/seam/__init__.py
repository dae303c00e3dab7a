"""The seam: the only code that reaches into ACME's private structures.

ACME has no public API for new resource types, so this subpackage extends its closed
`ResourceTypes` enum, its type descriptions and factory, its enum policies and its
bootstrap access control policy. Everything else in the package uses ACME's services
(dispatcher, storage, validator, events, workers).

Import order matters: `check.verify()` runs first and refuses to go on, with a message
naming the ACME version, when an expected structure is missing; only then is
`seam.install` imported, since it imports those structures.
"""
