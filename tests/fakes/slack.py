"""A fake Slack on an ephemeral 127.0.0.1 port: Web API, response_url sink, Socket Mode.

It records every call, answers like Slack does for the methods quizbot uses, and can be told
to fail a method (429 with Retry-After, 500, or ok: false) so retries can be tested.

It refuses what Slack refuses (tests/fakes/README.md lists the rules and their sources): a
method whose scope the manifest does not grant (missing_scope), a post in a channel the bot
is not in (not_in_channel), Block Kit over its limits (invalid_blocks), a trigger_id older
than 3 seconds or used twice (expired_trigger_id, exchanged_trigger_id), a sixth use of a
response_url, and tokens it was told are revoked (invalid_auth, token_revoked).
File uploads follow Slack's external flow (files.getUploadURLExternal, a POST of the bytes
to the upload URL, files.completeUploadExternal); a step out of order, a length that does
not match or a share into a channel the bot cannot post in is refused.
Message metadata comes back from history only when asked for (include_all_metadata).
OAuth installs follow Slack's v2 flow: /oauth/v2/authorize (the person approving, for the
workspace ``approve_as`` names) redirects back with a one-time code, and oauth.v2.access
trades it for that workspace's own bot token, checking the client secret and redirect_uri
as Slack does (bad_client_secret, invalid_code, bad_redirect_uri). Each call records the
token it carried; a token an install issued acts in its workspace (auth.test says which),
and uninstalling revokes the workspace's tokens (token_revoked).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import random
import secrets
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import yaml
from aiohttp import WSMsgType, web

from tests.fakes import serve, wait_until

TEAM = "T1"
BOT_USER = "UBOT"
MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "slack-manifest.yml"
TRIGGER_SECONDS = 3.0
RESPONSE_URL_USES = 5
#: the bot scope each Web API method needs (Slack's method reference, "Required scopes")
METHOD_SCOPES = {
    "chat.postMessage": "chat:write", "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write", "reactions.add": "reactions:write",
    "users.info": "users:read", "usergroups.users.list": "usergroups:read",
    "conversations.history": "channels:history", "conversations.replies": "channels:history",
    "files.getUploadURLExternal": "files:write", "files.completeUploadExternal": "files:write",
    "conversations.open": "im:write",
}


@dataclass
class Upload:
    """A file in Slack's external upload flow: issued, then uploaded, then completed."""

    file_id: str
    filename: str
    length: int
    data: bytes | None = None
    channel: str = ""
    title: str = ""
    initial_comment: str = ""
    thread_ts: str = ""
    completed: bool = False


def manifest_scopes() -> set[str]:
    return set(yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))["oauth_config"]["scopes"]
               ["bot"])


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    ok: bool = True
    token: str = ""     # the bot token it carried ("" when none)
    client: str = ""     # who called, when it calls through /via/{client}/api/


@dataclass
class FakeSlack:
    base_url: str = ""
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)  # response_url posts
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    failures: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = field(
        default_factory=lambda: defaultdict(list))
    reactions: set[tuple[str, str, str]] = field(default_factory=set)
    posted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    socket_connected: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    connections: int = 0
    scopes: set[str] = field(default_factory=manifest_scopes)
    member_of: set[str] = field(default_factory=lambda: {"C1"})
    triggers: dict[str, float] = field(default_factory=dict)    # trigger id -> issued at
    used_triggers: set[str] = field(default_factory=set)
    trigger_seconds: float = TRIGGER_SECONDS
    response_uses: dict[str, int] = field(default_factory=dict)
    revoked: dict[str, str] = field(default_factory=dict)       # token -> error
    socket_refused: bool = False     # the Socket Mode WebSocket handshake is refused
    #: whether history returns message metadata at all (the docs leave its scope unclear)
    metadata_visible: bool = True
    uploads: dict[str, Upload] = field(default_factory=dict)    # by file id
    ims: dict[str, str] = field(default_factory=dict)           # DM channel id -> user
    #: the OAuth app: its credentials and registered redirect URLs (empty: any)
    client_id: str = "1111.2222"
    client_secret: str = "fake-client-secret"
    app_id: str = "A1"
    redirect_uris: set[str] = field(default_factory=set)
    approve_as: str = TEAM                                      # who approves the next install
    codes: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # code: team, uri, scope
    tokens: dict[str, str] = field(default_factory=dict)        # an install's token -> team
    #: with several Socket Mode connections open, Slack gives each event to one of them:
    #: ``spread`` picks it (seeded, so runs repeat); without it, the newest gets every event
    spread: random.Random | None = None

    def shared(self) -> list[Upload]:
        """The files that completed their upload and were shared, in order."""
        return [u for u in self.uploads.values() if u.completed]

    # -- test controls ---------------------------------------------------------------------

    def add_user(self, user_id: str, name: str, *, admin: bool = False) -> None:
        self.users[user_id] = {"id": user_id, "name": name, "team_id": TEAM,
                               "is_admin": admin, "is_owner": False,
                               "profile": {"display_name": name, "real_name": name.title()}}

    def fail(self, method: str, status: int = 500, *, error: str = "internal_error",
             retry_after: int | None = None, delay: float | None = None) -> None:
        """Fail the next call: an HTTP status, 200 with ok:false, 0 = drop the connection,
        -1 = do the work but reply after ``delay`` seconds (a timeout after delivery),
        -2 = do the work, then drop the connection (no reply to a call that took effect)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        if delay is not None:
            headers["delay"] = str(delay)
        self.failures[method].append((status, {"ok": False, "error": error}, headers))

    def issue_trigger(self, trigger_id: str) -> str:
        """A trigger_id as Slack hands one to a command or button: valid 3 s, once."""
        self.triggers[trigger_id] = asyncio.get_running_loop().time()
        return trigger_id

    def ok_calls(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method and c.ok]

    def all_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, condition: Callable[[], bool], seconds: float = 5.0) -> None:
        await wait_until(self.changed, condition, seconds, "Slack")

    async def push(self, envelope_type: str, payload: dict[str, Any],
                   envelope_id: str | None = None) -> str:
        """Send a Socket Mode envelope to the connected client; returns its envelope id."""
        await asyncio.wait_for(self.socket_connected.wait(), 5)
        eid = envelope_id or f"env-{next(self._ts)}"
        live = [ws for ws in self._sockets if not ws.closed]
        target = self.spread.choice(live) if self.spread and live else self._sockets[-1]
        await target.send_str(json.dumps({
            "envelope_id": eid, "type": envelope_type, "payload": payload,
            "accepts_response_payload": envelope_type != "events_api", "retry_attempt": 0}))
        return eid

    # -- Web API ---------------------------------------------------------------------------

    def uninstall(self, team: str) -> None:
        """The app is removed from ``team``: Slack revokes the tokens it had there."""
        for token, owner in self.tokens.items():
            if owner == team:
                self.revoked[token] = "token_revoked"

    def calls_for(self, method: str, team: str) -> list[Call]:
        """Successful calls made with a token an install into ``team`` issued."""
        return [c for c in self.calls if c.method == method and c.ok
                and self.tokens.get(c.token) == team]

    async def authorize(self, request: web.Request) -> web.StreamResponse:
        """Slack's install page, approved at once by ``approve_as``: back to the app's
        redirect URL with a one-time code and the state it was given."""
        q = request.query
        if q.get("client_id") != self.client_id:
            return web.Response(status=400, text="invalid_client_id")
        scopes = set(filter(None, q.get("scope", "").split(",")))
        if not scopes or not scopes <= manifest_scopes():
            return web.Response(status=400, text="invalid_scope")
        uri = q.get("redirect_uri", "")
        if uri and self.redirect_uris and uri not in self.redirect_uris:
            return web.Response(status=400, text="bad_redirect_uri")
        target = uri or next(iter(self.redirect_uris), "")
        if not target:
            return web.Response(status=400, text="no redirect_uri")
        code = f"code-{secrets.token_hex(8)}"
        self.codes[code] = (self.approve_as, uri, ",".join(sorted(scopes)))
        raise web.HTTPFound(f"{target}?{urlencode({'code': code, 'state': q.get('state', '')})}")

    def _oauth_access(self, p: dict[str, Any], request: web.Request) -> dict[str, Any]:
        """oauth.v2.access: the client's credentials (HTTP Basic, or client_id and
        client_secret in the form), a code issued once, the same redirect_uri as the
        authorize step; then the workspace's new bot token."""
        client_id, secret = p.get("client_id"), p.get("client_secret")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if secret != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        issued = self.codes.pop(str(p.get("code", "")), None)   # a code works once
        if issued is None:
            return {"ok": False, "error": "invalid_code"}
        team, uri, scope = issued
        if uri != str(p.get("redirect_uri") or ""):
            return {"ok": False, "error": "bad_redirect_uri"}
        token = f"xoxb-{team}-{secrets.token_hex(6)}"
        self.tokens[token] = team
        return {"ok": True, "access_token": token, "token_type": "bot", "scope": scope,
                "bot_user_id": BOT_USER, "app_id": self.app_id,
                "team": {"id": team, "name": f"Team {team}"}, "enterprise": None,
                "is_enterprise_install": False, "authed_user": {"id": "UADMIN"}}

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        bearer = request.headers.get("Authorization", "")
        token = bearer.removeprefix("Bearer ") if bearer.startswith("Bearer ") else ""
        client = request.match_info.get("client", "")
        raw = await request.read()
        params: dict[str, Any] = dict(request.query)  # slack_sdk sends some args this way
        if request.content_type == "application/json":
            params.update(json.loads(raw or b"{}"))
        elif raw:
            params.update(parse_qsl(raw.decode()))
            for key in ("blocks", "view"):
                if isinstance(params.get(key), str):
                    params[key] = json.loads(params[key])
        refusal = self.refuse(method, params, request)
        if refusal:
            self.calls.append(Call(method, params, 200, False, token, client))
            self.changed.set()
            return _json({"ok": False, **refusal})
        if self.failures.get(method):
            status, body, headers = self.failures[method].pop(0)
            self.calls.append(Call(method, params, status, False, token, client))
            self.changed.set()
            if status == 0:  # the connection drops before any reply
                assert request.transport is not None
                request.transport.close()
                raise ConnectionResetError("dropped by the fake")
            if status == -2:  # done, then the connection drops before the reply
                self.answer(method, params, request)
                assert request.transport is not None
                request.transport.close()
                raise ConnectionResetError("dropped by the fake after doing the work")
            if status == -1:  # done, but the reply comes too late: the client times out
                done = self.answer(method, params, request)
                await asyncio.sleep(float(headers.get("delay", "2")))
                return _json(done)
            return _json(body, status, headers)
        body = self.answer(method, params, request)
        self.calls.append(Call(method, params, 200, bool(body.get("ok")), token, client))
        self.changed.set()
        return _json(body)

    def refuse(self, method: str, p: dict[str, Any],
               request: web.Request) -> dict[str, Any] | None:
        """What Slack would refuse this call with, before doing anything."""
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        if token in self.revoked:
            return {"error": self.revoked[token]}
        scope = METHOD_SCOPES.get(method)
        if scope == "channels:history" and str(p.get("channel", "")).startswith("G"):
            scope = "groups:history"
        if scope and scope not in self.scopes:
            return {"error": "missing_scope", "needed": scope,
                    "provided": ",".join(sorted(self.scopes))}
        channel = str(p.get("channel", ""))
        if method in ("chat.postMessage", "chat.postEphemeral", "reactions.add") and \
                channel[:1] in ("C", "G") and channel not in self.member_of:
            return {"error": "not_in_channel"}
        blocks = p.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        view = p.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if method == "views.publish" and (refused := _refuse_home(p, view, self.users)):
            return refused   # Slack checks the Home view's own fields before its blocks
        problem = check_blocks(blocks or [], 50) if blocks is not None else ""
        if view is not None and not problem:
            problem = check_view(view)
        if problem:
            return {"error": "invalid_blocks", "errors": [problem]}
        if method == "files.completeUploadExternal":
            return self._refuse_completion(p)
        if method == "views.open":
            trigger = str(p.get("trigger_id", ""))
            issued = self.triggers.get(trigger)
            if issued is None:
                return {"error": "invalid_trigger_id"}
            if trigger in self.used_triggers:
                return {"error": "exchanged_trigger_id"}
            if asyncio.get_running_loop().time() - issued > self.trigger_seconds:
                return {"error": "expired_trigger_id"}
            self.used_triggers.add(trigger)
        return None

    def _refuse_completion(self, p: dict[str, Any]) -> dict[str, Any] | None:
        """files.completeUploadExternal: every file issued and uploaded whole, and a channel
        the bot may share into. (Slack itself accepts no channel and keeps the file private
        to the bot, where nobody sees it: the fake refuses that as a mistake.)"""
        try:
            files = json.loads(str(p.get("files", "")))
        except ValueError:
            return {"error": "invalid_arguments"}
        if not isinstance(files, list) or not files:
            return {"error": "invalid_arguments"}
        for f in files:
            upload = self.uploads.get(str(f.get("id") if isinstance(f, dict) else ""))
            if upload is None or upload.data is None or upload.completed:
                return {"error": "file_not_found"}
            if len(upload.data) != upload.length:
                return {"error": "file_size_mismatch", "expected": upload.length,
                        "received": len(upload.data)}
        channel = str(p.get("channel_id") or p.get("channels") or "")
        if not channel:
            return {"error": "invalid_channel"}
        if channel.startswith("D"):
            return None if channel in self.ims else {"error": "channel_not_found"}
        return None if channel in self.member_of else {"error": "not_in_channel"}

    async def upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal handed out: the body is the file."""
        upload = self.uploads.get(request.match_info["file_id"])
        data = await request.read()
        if upload is None or upload.completed:
            return web.Response(status=404, text="not found")
        if not data:
            return web.Response(status=400, text="no file data")
        upload.data = data
        self.changed.set()
        return web.Response(text=f"OK - {len(data)}")

    def answer(self, method: str, p: dict[str, Any], request: web.Request) -> dict[str, Any]:
        if method == "oauth.v2.access":
            return self._oauth_access(p, request)
        bearer = request.headers.get("Authorization", "")
        if not bearer.startswith("Bearer "):
            return {"ok": False, "error": "not_authed"}   # Slack answers no call without a token
        if method == "auth.test":   # an install's token acts in its team; any other in TEAM
            team = self.tokens.get(bearer.removeprefix("Bearer "), TEAM)
            return {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT", "team_id": team,
                    "team": f"Team {team}", "user": "quizbot",
                    "url": f"https://{team.lower()}.slack.com/"}
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            meta = p.get("metadata")
            blocks = p.get("blocks")
            msg = {"text": p.get("text"), "ts": ts, "user": BOT_USER, "bot_id": "BBOT",
                   "thread_ts": p.get("thread_ts"),
                   "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks,
                   "metadata": json.loads(meta) if isinstance(meta, str) else meta}
            self.posted.setdefault(str(p.get("channel")), []).append(msg)
            return {"ok": True, "channel": p.get("channel"), "ts": ts, "message": msg}
        if method == "conversations.history":
            msgs = [m for m in self.posted.get(str(p.get("channel")), [])
                    if not m.get("thread_ts")]
            return {"ok": True, "messages": _shown(list(reversed(msgs)), p,
                                                   self.metadata_visible), "has_more": False}
        if method == "conversations.replies":
            root = str(p.get("ts"))
            msgs = [m for m in self.posted.get(str(p.get("channel")), [])
                    if m["ts"] == root or m.get("thread_ts") == root]
            return {"ok": True, "messages": _shown(msgs, p, self.metadata_visible),
                    "has_more": False}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method == "reactions.add":
            key = (str(p.get("channel")), str(p.get("timestamp")), str(p.get("name")))
            if key in self.reactions:
                return {"ok": False, "error": "already_reacted"}
            self.reactions.add(key)
            return {"ok": True}
        if method == "users.info":
            user = self.users.get(str(p.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False,
                                                           "error": "user_not_found"}
        if method in ("views.open", "views.publish", "views.update"):
            return {"ok": True, "view": {"id": f"V{next(self._ts)}"}}
        if method == "usergroups.users.list":
            return {"ok": True, "users": self.groups.get(str(p.get("usergroup")), [])}
        if method == "conversations.open":
            user = str(p.get("users", ""))
            if user not in self.users:
                return {"ok": False, "error": "user_not_found"}
            self.ims[f"D{user}"] = user
            return {"ok": True, "channel": {"id": f"D{user}"}}
        if method == "files.getUploadURLExternal":
            length = str(p.get("length", ""))
            if not p.get("filename") or not length.isdigit() or int(length) <= 0:
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{next(self._ts):06d}"
            self.uploads[file_id] = Upload(file_id, str(p["filename"]), int(length))
            return {"ok": True, "file_id": file_id,
                    "upload_url": f"http://{request.host}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            done = []
            for f in json.loads(str(p["files"])):
                upload = self.uploads[str(f["id"])]
                upload.completed = True
                upload.channel = str(p.get("channel_id") or p.get("channels") or "")
                upload.title = str(f.get("title") or upload.filename)
                upload.initial_comment = str(p.get("initial_comment") or "")
                upload.thread_ts = str(p.get("thread_ts") or "")
                done.append({"id": upload.file_id, "title": upload.title})
            return {"ok": True, "files": done}
        if method == "apps.connections.open":
            host = request.host
            return {"ok": True, "url": f"ws://{host}/socket"}
        return {"ok": False, "error": "unknown_method"}

    async def response_url(self, request: web.Request) -> web.Response:
        rid = request.match_info["rid"]
        self.response_uses[rid] = self.response_uses.get(rid, 0) + 1
        if self.response_uses[rid] > RESPONSE_URL_USES:
            return web.Response(status=404, text="used_url")
        body = await request.json()
        problem = check_blocks(body.get("blocks") or [], 50)
        if problem:
            return web.Response(status=400, text="invalid_blocks")
        self.responses.append(body)
        self.changed.set()
        return web.Response(text="ok")

    async def socket(self, request: web.Request) -> web.StreamResponse:
        if self.socket_refused:
            return web.Response(status=403, text="refused")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        live = sum(1 for s in self._sockets if not s.closed)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": live}))
        self.connections += 1
        self.socket_connected.set()
        self.changed.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(msg.data))
                self.changed.set()
        return ws

    def texts(self, method: str = "chat.postMessage") -> list[str]:
        return [str(p.get("text", "")) for p in self.ok_calls(method)]


def _shown(messages: list[dict[str, Any]], p: dict[str, Any],
           metadata_visible: bool) -> list[dict[str, Any]]:
    """Messages as history returns them: metadata only with include_all_metadata."""
    if metadata_visible and str(p.get("include_all_metadata", "")).lower() in ("1", "true"):
        return messages
    return [{k: v for k, v in m.items() if k != "metadata"} for m in messages]


def _text_len(obj: dict[str, Any] | None) -> int:
    return len((obj or {}).get("text") or "")


def check_blocks(blocks: list[dict[str, Any]], most: int) -> str:
    """Why Block Kit would refuse these blocks (reference/block-kit/blocks), or ""."""
    if len(blocks) > most:
        return f"no more than {most} items allowed [json-pointer:/blocks]"
    seen: set[str] = set()
    for i, b in enumerate(blocks):
        block_id = b.get("block_id")
        if block_id is not None:
            if len(block_id) > 255 or block_id in seen:
                return f"block_id too long or repeated [json-pointer:/blocks/{i}/block_id]"
            seen.add(block_id)
        kind = b.get("type")
        if kind == "section" and _text_len(b.get("text")) > 3000:
            return f"must be less than 3001 characters [json-pointer:/blocks/{i}/text]"
        if kind == "header" and _text_len(b.get("text")) > 150:
            return f"must be less than 151 characters [json-pointer:/blocks/{i}/text]"
        if kind == "context" and any(_text_len(e) > 2000 for e in b.get("elements", [])):
            return f"context text too long [json-pointer:/blocks/{i}]"
        actions = [e.get("action_id") for e in b.get("elements", []) if e.get("action_id")]
        if kind == "actions" and len(set(actions)) != len(actions):
            return f"action_id must be unique in its block [json-pointer:/blocks/{i}]"
        if kind == "actions" and not 0 < len(b.get("elements", [])) <= 25:
            return f"an actions block holds 1 to 25 elements [json-pointer:/blocks/{i}]"
        for e in b.get("elements", []) if kind == "actions" else []:
            if _text_len(e.get("text")) > 75 or len(e.get("action_id", "")) > 255 or \
                    len(str(e.get("value", ""))) > 2000:
                return (f"button text <= 75, action_id <= 255, value <= 2000 "
                        f"[json-pointer:/blocks/{i}]")
    return ""


def _plain(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("type") == "plain_text"


def check_view(view: dict[str, Any]) -> str:
    """Why Slack would refuse this modal or Home view (reference/views/modal-views, block-kit
    input block and plain-text input element), or ""."""
    blocks = view.get("blocks") or []
    if view.get("type") == "modal":
        if not _plain(view.get("title")) or not 0 < _text_len(view.get("title")) <= 24:
            return "modal title must be plain_text of 1 to 24 characters [json-pointer:/view/title]"
        for key in ("submit", "close"):
            if key in view and (not _plain(view[key]) or not 0 < _text_len(view[key]) <= 24):
                return f"{key} must be plain_text of 1 to 24 characters [json-pointer:/view/{key}]"
        if any(b.get("type") == "input" for b in blocks) and "submit" not in view:
            return "submit is required when an input block is present [json-pointer:/view]"
    if len(str(view.get("callback_id") or "")) > 255:
        return "callback_id must be at most 255 characters [json-pointer:/view/callback_id]"
    if len(str(view.get("private_metadata") or "")) > 3000:
        return "private_metadata must be at most 3000 characters [json-pointer:/view]"
    for i, b in enumerate(blocks):
        if b.get("type") == "input":
            problem = _check_input(b)
            if problem:
                return f"{problem} [json-pointer:/view/blocks/{i}]"
    return check_blocks(blocks, 100)


def _check_input(block: dict[str, Any]) -> str:
    """An input block: a plain_text label of 1-2000, a hint up to 2000, and its element."""
    if not _plain(block.get("label")) or not 0 < _text_len(block.get("label")) <= 2000:
        return "input label must be plain_text of 1 to 2000 characters"
    if "hint" in block and (not _plain(block["hint"]) or _text_len(block["hint"]) > 2000):
        return "input hint must be plain_text of at most 2000 characters"
    element = block.get("element") or {}
    if not element.get("type"):
        return "an input block needs an element"
    if element.get("type") != "plain_text_input":
        return ""
    if len(str(element.get("action_id") or "")) > 255:
        return "action_id must be at most 255 characters"
    if "placeholder" in element and _text_len(element["placeholder"]) > 150:
        return "placeholder must be at most 150 characters"
    low, high = element.get("min_length", 0), element.get("max_length", 3000)
    if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= 3000
            and 1 <= high <= 3000 and low <= high):
        return "min_length must be 0-3000, max_length 1-3000, and min_length <= max_length"
    if len(str(element.get("initial_value") or "")) > high:
        return "initial_value is longer than max_length"
    return ""


#: a Home tab view's fields (reference/views/home-tab-views), and views.publish's limits
HOME_FIELDS = {"type", "blocks", "private_metadata", "callback_id", "external_id"}
VIEW_BYTES = 250_000


def _refuse_home(p: dict[str, Any], view: dict[str, Any] | None,
                 users: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """views.publish: a known user_id and a Home tab view (type home, no modal fields,
    metadata <= 3000, callback_id <= 255, the payload <= 250 kB); the blocks are checked
    (<= 100) with every view's."""
    if str(p.get("user_id", "")) not in users:
        return {"error": "invalid_arguments", "response_metadata": {
            "messages": ["invalid `user_id`"]}}
    if not isinstance(view, dict) or view.get("type") != "home" or \
            not isinstance(view.get("blocks"), list) or set(view) - HOME_FIELDS:
        return {"error": "invalid_arguments", "response_metadata": {
            "messages": ["a Home tab view has type home, blocks, and only home fields"]}}
    if len(str(view.get("private_metadata", ""))) > 3000 or \
            len(str(view.get("callback_id", ""))) > 255:
        return {"error": "invalid_arguments"}
    if len(json.dumps(view)) > VIEW_BYTES:
        return {"error": "view_too_large"}
    return None


def _json(body: dict[str, Any], status: int = 200,
          headers: dict[str, str] | None = None) -> web.Response:
    # Slack's real Content-Type; slack_sdk parses JSON by it.
    return web.Response(text=json.dumps(body), status=status, headers=headers,
                        content_type="application/json")


@asynccontextmanager
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    app = web.Application()
    app.router.add_route("*", "/api/{method}", fake.api)
    app.router.add_route("*", "/via/{client}/api/{method}", fake.api)  # several processes
    app.router.add_post("/response/{rid}", fake.response_url)
    app.router.add_post("/upload/{file_id}", fake.upload)
    app.router.add_get("/socket", fake.socket)
    app.router.add_get("/oauth/v2/authorize", fake.authorize)
    async with serve(app) as port:
        fake.base_url = f"http://127.0.0.1:{port}"
        try:
            yield fake
        finally:
            for ws in fake._sockets:
                await ws.close()
