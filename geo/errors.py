"""Domain errors. They know nothing of HTTP; ``api/problems.py`` maps each to a status."""


class DomainError(Exception):
    """Base of every error a domain function raises on purpose.

    ``detail`` is safe to show to the caller; ``field`` names the input at fault, if any.
    """

    slug = "domain-error"

    def __init__(self, detail: str, *, field: str | None = None, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class NotFound(DomainError):
    """The thing asked for does not exist."""

    slug = "not-found"


class Gone(DomainError):
    """The thing existed and was withdrawn (a revoked QR token)."""

    slug = "gone"


class InvalidInput(DomainError):
    """The input is malformed or breaks a rule; ``field`` says which part."""

    slug = "invalid-input"


class Conflict(DomainError):
    """The request clashes with the current state (stale version, duplicate, reused key)."""

    slug = "conflict"


class Forbidden(DomainError):
    """The caller may not do this."""

    slug = "forbidden"


class Timeout(DomainError):
    """The database gave up on a statement (``statement_timeout``)."""

    slug = "timeout"


class SetupError(Exception):
    """The installation or configuration is wrong; the message says what to do.

    Raised by the embedded cluster, connection set-up and migrations. The CLI prints it
    as one line, with no traceback.
    """
