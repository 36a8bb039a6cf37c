"""Typed brain exceptions. Callers catch the narrowest type they can handle.

BrainError
├── CatalogError         (a signature catalog file is invalid: raised at import)
└── GeminiError
    ├── GeminiUnavailable    (network, HTTP 4xx/5xx, deadline exceeded, no key)
    ├── GeminiInvalidAnswer  (not STOP, unparsable, off-taxonomy, hallucinated evidence)
    └── CircuitOpen          (too many recent failures: not calling Gemini for a while)
"""

from __future__ import annotations


class BrainError(Exception):
    """Base class of every error raised by the brain."""


class GeminiError(BrainError):
    """Gemini could not be used for this diagnosis; the analyzers' report stands."""


class GeminiUnavailable(GeminiError):
    """The Gemini API could not be reached or answered with an error, or took too long."""


class GeminiInvalidAnswer(GeminiError):
    """Gemini answered, but the answer failed validation."""


class CircuitOpen(GeminiError):
    """The circuit breaker is open after repeated failures; Gemini was not called."""


class CatalogError(BrainError):
    """A signature catalog file is invalid (names the file and the entry)."""
