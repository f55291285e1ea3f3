"""Which Slack calls slack_sdk may resend by itself after a connection error.

slack_sdk's AsyncConnectionErrorRetryHandler resends any call whose connection failed or
dropped. A dropped connection may come after Slack did the work: a resent chat.postMessage
is then a second message (Slack has no idempotency key for it). For calls that post, only a
connection that never opened is resent here; any other failure goes back to the core,
whose retry of a daily question or a reveal first looks for the message it may have made.
"""

from __future__ import annotations

from aiohttp import ClientConnectorError
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

#: calls whose resend after they took effect would post twice
POSTING_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage",
                             "chat.meMessage", "files.completeUploadExternal",
                             "files.upload"})


def _method(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]


class ConnectionRetry(AsyncConnectionErrorRetryHandler):
    """slack_sdk's connection-error retry, except for a posting call whose request may
    have reached Slack."""

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None,
                               error: Exception | None = None) -> bool:
        if _method(request.url) in POSTING_METHODS and \
                not isinstance(error, ClientConnectorError):
            return False
        return await super()._can_retry_async(state=state, request=request,
                                              response=response, error=error)


__all__ = ["POSTING_METHODS", "ConnectionRetry"]
