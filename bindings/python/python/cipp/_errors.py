"""The exception hierarchy of cipp. Every error the native core raises is one of these."""

from __future__ import annotations

from typing import Any, Optional


class CippError(Exception):
    """Base class of every cipp error.

    Attributes (None when not applicable): ``status`` (HTTP status), ``code`` (the service's
    error code, e.g. ``Request_ResourceNotFound`` or ``AADSTS7000215``), ``tenant``, ``hint``
    (a plain-language explanation of well-known Microsoft errors), ``request_id``.
    """

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        code: Optional[str] = None,
        tenant: Optional[str] = None,
        hint: Optional[str] = None,
        request_id: Optional[str] = None,
        retry_after: Optional[float] = None,
        field: Optional[str] = None,
        path: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.tenant = tenant
        self.hint = hint
        self.request_id = request_id
        self.retry_after = retry_after
        self.field = field
        self.path = path

    def __reduce__(self) -> Any:
        # Keep the keyword attributes across pickling (multiprocessing, concurrent.futures).
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: type, message: str, state: dict) -> "CippError":
    err = cls(message)
    err.__dict__.update(state)
    return err


class AuthError(CippError):
    """Entra ID refused a token (``code`` holds the AADSTS code)."""


class HttpError(CippError):
    """A service answered with an error status."""


class ThrottledError(HttpError):
    """The service kept throttling (HTTP 429) past the retry budget."""


class NotFoundError(HttpError):
    """HTTP 404."""


class CmdletError(HttpError):
    """An Exchange cmdlet failed.

    Extra attributes: ``cmdlet`` (``Set-Mailbox``), ``exception_type`` (the full .NET type,
    e.g. ``Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException``; ``code``
    holds its last segment), ``exchange_code`` (``Ex6F9304``), ``target`` and ``detail`` (the
    message without the prefixes).
    """


class InvalidInputError(CippError, ValueError):
    """An argument or setting was wrong; nothing was sent. ``field`` names it."""


class TransportError(CippError):
    """No HTTP answer (connection, TLS, timeout)."""


class DecodeError(CippError):
    """A response did not have the expected shape; ``path`` is the JSON path."""
