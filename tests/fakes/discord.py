"""A fake Discord on an ephemeral 127.0.0.1 port: the REST routes quizbot uses and a gateway.

It records every REST call, keeps messages, threads and reactions the way Discord would show
them, dispatches gateway events the test asks for, and can fail a route (429 with
retry_after, or 500) to test retries. JSON replies carry exactly `application/json`
(discord.py does not parse `application/json; charset=utf-8`).

It refuses what Discord refuses (tests/fakes/README.md lists the rules and their sources):
privileged intents the portal has not enabled (gateway close 4014), embeds over their
limits (50035), a second thread on a message (160004), threads without the permission
(50013), changes to an archived thread (50083), interaction callbacks after 3 seconds
(10062) or twice (40060), modals and autocomplete over their limits, files over the upload
limit (40005) or whose parts do not match the payload's attachments (50035). A nonce sent
with enforce_nonce returns the message it already created.

It shards as Discord does: an IDENTIFY may carry ``shard: [id, count]``, and that connection
then gets only the guilds with ``(guild_id >> 22) % count == id`` (DMs go to shard 0); a bad
shard is closed with 4010, and a connection that would hold more than
``max_guilds_per_session`` guilds with 4011 (sharding required). Shards identify at most
``max_concurrency`` at a time, one per key (shard_id % max_concurrency) every
``identify_seconds``; a shard identifying too soon gets an Invalid Session (op 9).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import serve, wait_until

APP_ID = 900
BOT_ID = 900
GUILD_ID = 1000
CHANNEL_ID = 2000
OWNER_ID = 11          # the guild owner: has every permission, Manage Server included
USERS = {OWNER_ID: "lead", 21: "alice", 22: "bob", 23: "carol"}


def user(uid: int) -> dict[str, Any]:
    return {"id": str(uid), "username": USERS.get(uid, f"user{uid}"),
            "global_name": USERS.get(uid, f"user{uid}"), "discriminator": "0",
            "avatar": None, "bot": uid == BOT_ID}


INTENT_MEMBERS, INTENT_PRESENCES, INTENT_MESSAGE_CONTENT = 1 << 1, 1 << 8, 1 << 15
PRIVILEGED = INTENT_MEMBERS | INTENT_PRESENCES | INTENT_MESSAGE_CONTENT
CALLBACK_SECONDS = 3.0
UPLOAD_LIMIT = 8 * 1024 * 1024   # what the fake's interactions say in attachment_size_limit

ROLE_ML = 3000
ROLE_MEMBERS = {21, 22}  # alice and bob have the "ml" role


def member(uid: int) -> dict[str, Any]:
    roles = [str(ROLE_ML)] if uid in ROLE_MEMBERS else []
    return {"user": user(uid), "roles": roles, "flags": 0, "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False, "mute": False, "nick": None, "permissions": "0"}


#: gateway close codes (topics/opcodes-and-status-codes)
INVALID_SHARD, SHARDING_REQUIRED, DISALLOWED_INTENTS = 4010, 4011, 4014
GUILDS_PER_SESSION = 2500   # topics/gateway, "Sharding": more than this must shard
IDENTIFY_SECONDS = 5.0      # topics/gateway, "Max Concurrency": per rate-limit key


def shard_of(guild_id: int, count: int) -> int:
    """Which shard gets a guild's events (topics/gateway, "Sharding Formula")."""
    return (guild_id >> 22) % count


@dataclass
class Session:
    """One identified gateway connection: its shard ([id, count], None unsharded), the
    guilds it was given and the events dispatched on it."""
    ws: web.WebSocketResponse
    shard: tuple[int, int] | None
    guilds: list[int]
    sent: list[str] = field(default_factory=list)

    def serves(self, guild_id: int | None) -> bool:
        return serves(self.shard, guild_id)


def serves(shard: tuple[int, int] | None, guild_id: int | None) -> bool:
    """Whether a connection identified with ``shard`` gets this guild's events."""
    if shard is None:
        return True
    if guild_id is None:            # a DM: only shard 0 gets it
        return shard[0] == 0
    return shard_of(guild_id, shard[1]) == shard[0]


@dataclass
class Call:
    method: str
    path: str
    body: Any
    status: int


@dataclass
class FakeDiscord:
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    threads: dict[int, dict[str, Any]] = field(default_factory=dict)
    reactions: set[tuple[int, int, str]] = field(default_factory=set)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    dms: list[dict[str, Any]] = field(default_factory=list)
    dm_channels: dict[int, int] = field(default_factory=dict)   # DM channel id -> user id
    synced: list[Any] = field(default_factory=list)
    failures: dict[str, list[tuple[int, dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(list))
    identified: asyncio.Event = field(default_factory=asyncio.Event)
    #: privileged intents switched on in the developer portal
    portal_intents: int = INTENT_MESSAGE_CONTENT | INTENT_MEMBERS
    can_create_threads: bool = True
    callback_seconds: float = CALLBACK_SECONDS
    closes: list[int] = field(default_factory=list)        # gateway close codes sent
    identifies: int = 0
    issued: dict[str, float] = field(default_factory=dict)   # interaction id -> loop time
    answered: set[str] = field(default_factory=set)
    nonces: dict[tuple[int, str], int] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    upload_limit: int = UPLOAD_LIMIT
    #: the bytes of every attachment, by attachment id (a message lists its attachments)
    files: dict[int, bytes] = field(default_factory=dict)
    #: the guilds the bot is in, each with its one text channel
    guilds: dict[int, int] = field(default_factory=lambda: {GUILD_ID: CHANNEL_ID})
    recommended_shards: int = 1      # what GET /gateway/bot answers in "shards"
    max_guilds_per_session: int = GUILDS_PER_SESSION
    max_concurrency: int = 1         # GET /gateway/bot's session_start_limit
    identify_seconds: float = IDENTIFY_SECONDS
    refused_identifies: int = 0      # sharded identifies answered with op 9 (too soon)
    _identified_at: dict[int, float] = field(default_factory=dict)   # by rate-limit key
    sessions: list[Session] = field(default_factory=list)   # every identified connection
    undelivered: list[str] = field(default_factory=list)    # events for a shard not here
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(5000))
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _ws: web.WebSocketResponse | None = None
    _uploads: list[tuple[str, str, bytes]] = field(default_factory=list)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def next_id(self) -> int:
        return next(self._ids)

    # -- test controls ---------------------------------------------------------------------

    def fail(self, key: str, status: int = 500, retry_after: float = 0.05) -> None:
        """Fail the next call of ``key`` ("POST /channels/{id}/messages", ...)."""
        body: dict[str, Any] = {"message": "boom", "code": 0}
        if status == 429:
            body = {"message": "You are being rate limited.", "retry_after": retry_after,
                    "global": False}
        self.failures[key].append((status, body))

    def posts(self, channel_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a channel or thread, oldest first."""
        return [m for m in self.messages.values() if int(m["channel_id"]) == channel_id
                and m["author"]["id"] == str(BOT_ID)]

    async def wait_for(self, condition: Callable[[], bool], seconds: float = 5.0) -> None:
        await wait_until(self.changed, condition, seconds, "Discord")

    def guild_of(self, channel_id: int) -> int:
        """The guild a channel or thread belongs to (the first guild's for anything else)."""
        if channel_id in self.threads:
            return int(self.threads[channel_id]["guild_id"])
        return next((g for g, c in self.guilds.items() if c == channel_id), GUILD_ID)

    def session_for(self, guild_id: int | None) -> Session | None:
        """The open connection that gets this guild's events, the latest first."""
        live = [s for s in reversed(self.sessions) if s.serves(guild_id)]
        return next((s for s in live if not s.ws.closed), live[0] if live else None)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event on the connection of the shard its guild maps to; when no connection
        holds that shard (another replica's), nobody here gets it."""
        await asyncio.wait_for(self.identified.wait(), 5)
        guild = data.get("guild_id")
        session = self.session_for(int(guild) if guild is not None else None)
        if session is None:
            self.undelivered.append(event)
            return
        session.sent.append(event)
        await session.ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq),
                                              "d": data}))

    def message(self, channel_id: int, author: int, content: str,
                message_id: int | None = None) -> dict[str, Any]:
        mid = message_id or self.next_id()
        return {"id": str(mid), "channel_id": str(channel_id),
                "guild_id": str(self.guild_of(channel_id)),
                "author": user(author), "member": {k: v for k, v in member(author).items()
                                                   if k != "user"},
                "content": content, "type": 0, "timestamp": "2026-11-23T09:10:00+00:00",
                "edited_timestamp": None, "tts": False, "mention_everyone": False,
                "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
                "pinned": False, "flags": 0, "components": []}

    async def delete(self, channel_id: int, message_id: int) -> None:
        """A person deletes a message: Discord sends only the ids."""
        await self.dispatch("MESSAGE_DELETE", {"id": str(message_id),
                                               "channel_id": str(channel_id),
                                               "guild_id": str(self.guild_of(channel_id))})

    async def auto_archive(self, thread_id: int) -> None:
        """Discord archives an idle thread after its auto_archive_duration."""
        self.threads[thread_id]["thread_metadata"]["archived"] = True
        await self.dispatch("THREAD_UPDATE", self.threads[thread_id])

    async def say(self, channel_id: int, author: int, content: str,
                  message_id: int | None = None, *, deliver: bool = True) -> dict[str, Any]:
        """A person posts: the message is kept (history returns it) and, unless the bot is
        offline (``deliver=False``), dispatched."""
        msg = self.message(channel_id, author, content, message_id)
        self.messages[int(msg["id"])] = msg
        if deliver:
            await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    async def interact(self, itype: int, data: dict[str, Any], *, by: int = 21,
                       channel_id: int = CHANNEL_ID, message: dict[str, Any] | None = None,
                       dm: bool = False) -> dict[str, Any]:
        iid = self.next_id()
        guild = self.guild_of(channel_id)
        payload: dict[str, Any] = {
            "id": str(iid), "application_id": str(APP_ID), "type": itype, "data": data,
            "guild_id": str(guild), "channel_id": str(channel_id),
            "channel": {"id": str(channel_id), "type": 0, "guild_id": str(guild),
                        "name": "general", "position": 0, "permission_overwrites": []},
            "member": member(by), "token": f"tok{iid}", "version": 1, "locale": "en-US",
            "guild_locale": "en-US", "app_permissions": "0", "entitlements": [],
            "authorizing_integration_owners": {}, "context": 0,
            "attachment_size_limit": self.upload_limit}
        if message is not None:
            payload["message"] = message
        if dm:  # from a direct message: no server, the user rather than a member
            for key in ("guild_id", "member", "guild_locale"):
                payload.pop(key)
            payload.update(user=user(by), context=1, channel={
                "id": str(channel_id), "type": 1, "recipients": [user(by)]})
        self.issued[str(iid)] = asyncio.get_running_loop().time()
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def command(self, name: str, options: list[dict[str, Any]] | None = None,
                      **kw: Any) -> dict[str, Any]:
        return await self.interact(2, {"id": str(self.next_id()), "name": name, "type": 1,
                                       "options": options or []}, **kw)

    def callback_for(self, interaction: dict[str, Any]) -> dict[str, Any] | None:
        return next((c for c in self.callbacks if c["id"] == interaction["id"]), None)

    def replies_to(self, interaction: dict[str, Any]) -> list[dict[str, Any]]:
        """What the person saw: the callback's message and any follow-ups."""
        out = [f["message"] for f in self.followups if f["token"] == interaction["token"]]
        cb = self.callback_for(interaction)
        if cb and cb["body"].get("data") and cb["body"]["type"] == 4:
            out.insert(0, cb["body"]["data"])
        return out

    @staticmethod
    def text_of(message: dict[str, Any]) -> str:
        parts = [message.get("content") or ""]
        for e in message.get("embeds") or []:
            parts += [e.get("title") or "", e.get("description") or ""]
            parts += [f"{f['name']}\n{f['value']}" for f in e.get("fields", [])]
            parts.append((e.get("footer") or {}).get("text", ""))
        return "\n".join(p for p in parts if p)

    # -- REST ------------------------------------------------------------------------------

    async def rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        raw = await request.read()
        body: Any = None
        uploads: list[tuple[str, str, bytes]] = []
        if raw:
            if request.content_type == "application/json":
                body = json.loads(raw)
            elif request.content_type.startswith("multipart/"):
                body, uploads = _multipart(raw, request.headers["Content-Type"])
                refused = self._refuse_files(body, uploads)
                if refused is not None:
                    self.calls.append(Call(request.method, path, body, refused.status))
                    self.changed.set()
                    return refused
        key = f"{request.method} {_template(path)}"
        if self.failures.get(key):
            status, payload = self.failures[key].pop(0)
            self.calls.append(Call(request.method, path, body, status))
            self.changed.set()
            headers = {"Retry-After": str(payload.get("retry_after", 0)),
                       "X-RateLimit-Scope": "user"} if status == 429 else {}
            return _json(payload, status, headers)
        self.calls.append(Call(request.method, path, body, 200))
        self._uploads = uploads    # the files of this request, for the message it makes
        result = await self.route(request.method, path, body or {}, request)
        self._uploads = []
        self.changed.set()
        return result

    async def route(self, method: str, path: str, body: dict[str, Any],
                    request: web.Request) -> web.StreamResponse:
        parts = path.strip("/").split("/")
        if path == "/users/@me" and method == "GET":
            return _json(user(BOT_ID))
        if path == "/oauth2/applications/@me":
            return _json({"id": str(APP_ID), "name": "quizbot", "description": "",
                          "icon": None, "bot_public": True, "bot_require_code_grant": False,
                          "owner": user(OWNER_ID), "verify_key": "00", "flags": 0})
        if path in ("/gateway", "/gateway/bot"):
            return _json({"url": self.gateway, "shards": self.recommended_shards,
                          "session_start_limit": {
                "total": 1000, "remaining": 1000, "reset_after": 0,
                "max_concurrency": self.max_concurrency}})
        if parts[0] == "applications" and parts[-1] == "commands" and method == "PUT":
            self.synced.append(body)
            return _json([{**c, "id": str(self.next_id()), "application_id": str(APP_ID),
                           "version": "1", "default_member_permissions":
                           c.get("default_member_permissions")} for c in body])
        if parts[0] == "channels":
            return await self._channels(method, parts, body, request.query)
        if parts[0] == "interactions":
            iid = parts[1]
            age = asyncio.get_running_loop().time() - self.issued.get(iid, 0.0)
            if age > self.callback_seconds:
                return _json({"message": "Unknown interaction", "code": 10062}, 404)
            if iid in self.answered:
                return _json({"message": "Interaction has already been acknowledged.",
                              "code": 40060}, 400)
            problem = _check_callback(body)
            if problem:
                return _error(problem)
            self.answered.add(iid)
            self.callbacks.append({"id": parts[1], "token": parts[2], "body": body})
            data = body.get("data") or {}
            msg = self._store(int(data.get("channel_id", CHANNEL_ID)), data) \
                if body.get("type") == 4 else None
            resp: dict[str, Any] = {"interaction": {"id": parts[1], "type": 2},
                                    "resource": {"type": body.get("type")}}
            if msg is not None:
                resp["resource"]["message"] = msg
            return _json(resp)
        if parts[0] == "webhooks":
            problem = _check_message(body)
            if problem:
                return _error(problem)
            msg = self._store(CHANNEL_ID, body)
            if method == "POST":
                self.followups.append({"token": parts[2], "body": body, "message": msg})
            return _json(msg)
        if len(parts) == 2 and parts[0] == "users" and parts[1].isdigit() and method == "GET":
            if int(parts[1]) not in USERS:
                return _json({"message": "Unknown User", "code": 10013}, 404)
            return _json(user(int(parts[1])))
        if path == "/users/@me/channels":
            dm = self.next_id()
            self.dm_channels[dm] = int(body["recipient_id"])
            return _json({"id": str(dm), "type": 1,
                          "recipients": [user(int(body["recipient_id"]))]})
        if parts[0] == "guilds" and parts[2] == "members":
            return _json(member(int(parts[3])))
        return _json({"message": f"no fake route for {method} {path}", "code": 0}, 404)

    async def _channels(self, method: str, parts: list[str], body: dict[str, Any],
                        request_query: Any) -> web.StreamResponse:
        cid = int(parts[1])
        if len(parts) == 2 and method == "GET":
            if cid in self.threads:
                return _json(self.threads[cid])
            if cid in self.guilds.values():
                return _json(_text_channel(self.guild_of(cid), cid))
            return _json({"id": str(cid), "type": 1, "recipients": [user(21)]})  # a DM
        if len(parts) == 2 and method == "PATCH":
            thread = self.threads[cid]
            if thread["thread_metadata"]["archived"] and body.get("archived") is not False:
                return _json({"message": "Thread is archived", "code": 50083}, 400)
            thread["thread_metadata"].update({k: v for k, v in body.items()
                                              if k in ("archived", "locked")})
            await self.dispatch("THREAD_UPDATE", thread)
            return _json(thread)
        if parts[2:] == ["messages"] and method == "GET":
            # Discord returns newest first; with `after`, the oldest page after that id.
            limit = int(request_query.get("limit", "50"))
            here = sorted(int(m["id"]) for m in self.messages.values()
                          if int(m["channel_id"]) == cid)
            if "after" in request_query:
                page = [i for i in here if i > int(request_query["after"])][:limit]
            else:
                before = int(request_query.get("before", 1 << 62))
                page = [i for i in here if i < before][-limit:]
            return _json([self.messages[i] for i in reversed(page)])
        if parts[2:] == ["messages"] and method == "POST":
            problem = _check_message(body)
            if problem:
                return _error(problem)
            nonce = body.get("nonce")
            if nonce and body.get("enforce_nonce") and (cid, str(nonce)) in self.nonces:
                return _json(self.messages[self.nonces[(cid, str(nonce))]])
            if cid in self.threads:  # a post unarchives an archived (unlocked) thread
                self.threads[cid]["thread_metadata"]["archived"] = False
            elif cid not in self.guilds.values():
                self.dms.append(body)
            msg = self._store(cid, body)
            if nonce:
                self.nonces[(cid, str(nonce))] = int(msg["id"])
            return _json(msg)
        if len(parts) == 5 and parts[4] == "threads" and method == "POST":
            mid = int(parts[3])
            if not self.can_create_threads:
                return _json({"message": "Missing Permissions", "code": 50013}, 403)
            if mid in self.threads:
                return _json({"message": "A thread has already been created for this "
                              "message", "code": 160004}, 400)
            thread = {"id": str(mid), "type": 11, "guild_id": str(self.guild_of(cid)),
                      "parent_id": str(cid), "name": body.get("name", ""), "owner_id": str(BOT_ID),
                      "message_count": 0, "member_count": 1, "rate_limit_per_user": 0,
                      "flags": 0, "thread_metadata": {
                          "archived": False, "auto_archive_duration":
                          body.get("auto_archive_duration", 1440), "locked": False,
                          "archive_timestamp": "2026-11-23T09:00:00+00:00"}}
            self.threads[mid] = thread
            await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
            return _json(thread)
        if len(parts) == 7 and parts[4] == "reactions" and method == "PUT":
            self.reactions.add((cid, int(parts[3]), _unquote(parts[5])))
            return web.Response(status=204)
        return _json({"message": "no fake route", "code": 0}, 404)

    def _refuse_files(self, payload: Any, uploads: list[tuple[str, str, bytes]],
                      ) -> web.Response | None:
        """Files ride as multipart parts ``files[n]`` next to ``payload_json``, whose
        ``attachments`` name each part by its index n (reference, "Uploading Files")."""
        if sum(len(data) for _, _, data in uploads) > self.upload_limit:
            return _json({"message": "Request entity too large", "code": 40005}, 413)
        if not isinstance(payload, dict):
            return _error("payload_json: required with files")
        listed = {str(a.get("id")): a.get("filename") for a in payload.get("attachments") or []
                  if isinstance(a, dict)}
        sent = {part.removeprefix("files[").removesuffix("]"): name
                for part, name, _ in uploads}
        if listed != sent or not all(p.startswith("files[") for p, _, _ in uploads):
            return _error("attachments: ids must match the files[n] parts")
        return None

    def _store(self, channel_id: int, body: dict[str, Any]) -> dict[str, Any]:
        mid = self.next_id()
        attachments = []
        uploads, self._uploads = self._uploads, []
        for _, filename, data in uploads:
            aid = self.next_id()
            self.files[aid] = data
            url = f"http://127.0.0.1:{self.port}/attachments/{channel_id}/{aid}/{filename}"
            attachments.append({"id": str(aid), "filename": filename, "size": len(data),
                                "url": url, "proxy_url": url})
        msg = {**self.message(channel_id, BOT_ID, body.get("content") or "", mid),
               "embeds": body.get("embeds") or [], "components": body.get("components") or [],
               "flags": body.get("flags", 0), "attachments": attachments}
        msg["author"] = user(BOT_ID)
        self.messages[mid] = msg
        return msg

    async def gateway_ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            if frame["op"] == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif frame["op"] == 2:
                wanted = int(frame["d"].get("intents", 0))
                if wanted & PRIVILEGED & ~self.portal_intents:
                    await self._close(ws, DISALLOWED_INTENTS, "Disallowed intent(s).")
                    break
                try:
                    shard = _shard(frame["d"].get("shard"))
                except ValueError:
                    await self._close(ws, INVALID_SHARD, "Invalid shard.")
                    break
                session = Session(ws, shard, [g for g in self.guilds if serves(shard, g)])
                if len(session.guilds) > self.max_guilds_per_session:
                    await self._close(ws, SHARDING_REQUIRED, "Sharding required.")
                    break
                if shard is not None and self._too_soon(shard[0]):
                    self.refused_identifies += 1
                    self.changed.set()
                    await ws.send_str(json.dumps({"op": 9, "d": False}))
                    continue
                await self._ready(session)
        return ws

    def _too_soon(self, shard_id: int) -> bool:
        """Whether this shard's rate-limit key identified within ``identify_seconds``;
        records the identify otherwise. (Unsharded identifies are not limited here: the
        tests restart single-connection bots faster than Discord would allow.)"""
        key = shard_id % max(1, self.max_concurrency)
        now = asyncio.get_running_loop().time()
        if now - self._identified_at.get(key, -self.identify_seconds) < self.identify_seconds:
            return True
        self._identified_at[key] = now
        return False

    async def _close(self, ws: web.WebSocketResponse, code: int, reason: str) -> None:
        self.closes.append(code)
        self.changed.set()
        await ws.close(code=code, message=reason.encode())

    async def _ready(self, session: Session) -> None:
        """READY (with the shard it was given) and a GUILD_CREATE for each of its guilds."""
        self._ws = session.ws
        self.sessions.append(session)
        self.identifies += 1
        ready: dict[str, Any] = {
            "v": 10, "user": user(BOT_ID), "session_id": f"sess{self.identifies}",
            "resume_gateway_url": self.gateway,
            "guilds": [{"id": str(g), "unavailable": True} for g in session.guilds],
            "application": {"id": str(APP_ID), "flags": 0}}
        if session.shard is not None:
            ready["shard"] = list(session.shard)
        await session.ws.send_str(json.dumps({"op": 0, "t": "READY", "s": next(self._seq),
                                              "d": ready}))
        for g in session.guilds:
            await session.ws.send_str(json.dumps({"op": 0, "t": "GUILD_CREATE",
                                                  "s": next(self._seq),
                                                  "d": _guild(g, self.guilds[g])}))
        self.identified.set()
        self.changed.set()


def _check_components(rows: list[dict[str, Any]]) -> str:
    """Why Discord would refuse these components (components/reference: at most 5 action
    rows of at most 5 buttons; a custom_id 1-100 characters, unique in the message; a
    button label at most 80), or ""."""
    if len(rows) > 5:
        return "components: at most 5 action rows"
    seen: set[str] = set()
    for row in rows:
        items = row.get("components") or []
        if row.get("type") == 1 and len(items) > 5:
            return "components: at most 5 buttons in a row"
        for item in items:
            custom_id = item.get("custom_id")
            if custom_id is not None and (not 0 < len(custom_id) <= 100 or custom_id in seen):
                return "components.custom_id: 1 to 100 characters, unique"
            seen.add(custom_id or "")
            if len(item.get("label") or "") > 80:
                return "components.label: at most 80"
    return ""


def _check_message(body: dict[str, Any]) -> str:
    """Why Discord would refuse this message (resources/message, embed limits), or ""."""
    if problem := _check_components(body.get("components") or []):
        return problem
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    if len(content) > 2000:
        return "content: must be 2000 or fewer in length"
    if len(embeds) > 10:
        return "embeds: must be 10 or fewer in length"
    total = 0
    for e in embeds:
        fields = e.get("fields") or []
        if len(e.get("title") or "") > 256 or len(e.get("description") or "") > 4096:
            return "embeds: title or description too long"
        if len(fields) > 25:
            return "embeds: at most 25 fields"
        for f in fields:
            if not f.get("name") or not f.get("value"):
                return "embeds.fields: name and value are required"
            if len(f["name"]) > 256 or len(f["value"]) > 1024:
                return "embeds.fields: name <= 256 and value <= 1024"
        footer = (e.get("footer") or {}).get("text") or ""
        if len(footer) > 2048:
            return "embeds.footer: at most 2048"
        total += len(e.get("title") or "") + len(e.get("description") or "") + len(footer) + \
            sum(len(f["name"]) + len(f["value"]) for f in fields)
    if total > 6000:
        return "embeds: 6000 characters in all at most"
    return _check_components(body.get("components") or [])


def _check_callback(body: dict[str, Any]) -> str:
    """Why Discord would refuse this interaction response (interactions/receiving-and-
    responding, components/reference), or ""."""
    data = body.get("data") or {}
    kind = body.get("type")
    if kind == 9:  # a modal
        return _check_modal(data)
    if kind == 8:  # autocomplete
        choices = data.get("choices") or []
        if len(choices) > 25 or any(len(c["name"]) > 100 for c in choices):
            return "autocomplete: at most 25 choices, names <= 100"
    if kind == 4:
        return _check_message(data)
    return ""


def _check_modal(data: dict[str, Any]) -> str:
    """A modal (components/reference, "Modal" and "Text Input"): custom_id 1-100, title
    1-45, 1-5 top-level components; each text input a custom_id 1-100 unique in the modal,
    a label 1-45 (on the input in an action row, on the Label component otherwise), style 1
    or 2, min_length 0-4000, max_length 1-4000 with min <= max, placeholder 100, value 4000."""
    if not 0 < len(str(data.get("custom_id") or "")) <= 100:
        return "modal custom_id: 1 to 100 characters"
    if not data.get("title") or len(data["title"]) > 45:
        return "modal title: 1 to 45 characters"
    rows = data.get("components") or []
    if not 0 < len(rows) <= 5:
        return "modal components: 1 to 5"
    seen: set[str] = set()
    for row in rows:
        for comp in row.get("components", [row.get("component")]):
            if not comp or comp.get("type") != 4:
                continue
            label = row.get("label") if row.get("type") == 18 else comp.get("label")
            custom_id = str(comp.get("custom_id") or "")
            low, high = comp.get("min_length", 0), comp.get("max_length", 4000)
            if not label or len(label) > 45:
                return "text input label: 1 to 45 characters"
            if not 0 < len(custom_id) <= 100 or custom_id in seen:
                return "text input custom_id: 1 to 100 characters, unique in the modal"
            seen.add(custom_id)
            if comp.get("style") not in (1, 2):
                return "text input style: 1 (short) or 2 (paragraph)"
            if not (0 <= low <= 4000 and 1 <= high <= 4000 and low <= high):
                return "text input min_length 0-4000, max_length 1-4000, min <= max"
            if len(comp.get("placeholder") or "") > 100 or len(comp.get("value") or "") > 4000:
                return "text input placeholder <= 100, value <= 4000"
    return ""


def _check_components(rows: list[dict[str, Any]]) -> str:
    """A message's buttons (components/reference, "Action Row", "Button"): at most 5 rows
    of at most 5 buttons, custom_id 1-100 and unique in the message, label at most 80."""
    if len(rows) > 5:
        return "components: at most 5 action rows"
    seen: set[str] = set()
    for row in rows:
        buttons = row.get("components") or []
        if row.get("type") == 1 and not 0 < len(buttons) <= 5:
            return "action row: 1 to 5 components"
        for b in buttons:
            custom_id = b.get("custom_id")
            if custom_id is not None and (not 0 < len(custom_id) <= 100 or custom_id in seen):
                return "button custom_id: 1 to 100 characters, unique in the message"
            seen.add(str(custom_id))
            if len(b.get("label") or "") > 80:
                return "button label: at most 80 characters"
    return ""


def _error(problem: str) -> web.Response:
    return _json({"message": "Invalid Form Body", "code": 50035,
                  "errors": {"_errors": [{"code": "BASE_TYPE_INVALID", "message": problem}]}},
                 400)


def _shard(value: Any) -> tuple[int, int] | None:
    """IDENTIFY's ``shard`` as (id, count), None when absent; ValueError for one Discord
    refuses (not [id, count] with 0 <= id < count)."""
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 2 and
            all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise ValueError(value)
    shard_id, count = value
    if not 0 <= shard_id < count:
        raise ValueError(value)
    return shard_id, count


def _text_channel(guild_id: int = GUILD_ID, channel_id: int = CHANNEL_ID) -> dict[str, Any]:
    return {"id": str(channel_id), "type": 0, "guild_id": str(guild_id), "name": "general",
            "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None}


def _guild(guild_id: int = GUILD_ID, channel_id: int = CHANNEL_ID) -> dict[str, Any]:
    return {"id": str(guild_id), "name": "Test", "owner_id": str(OWNER_ID), "icon": None,
            "unavailable": False, "member_count": len(USERS) + 1, "large": False,
            "roles": [{"id": str(guild_id), "name": "@everyone", "permissions": "1024",
                       "position": 0, "color": 0, "hoist": False, "managed": False,
                       "mentionable": False, "flags": 0},
                      {"id": str(ROLE_ML), "name": "ml", "permissions": "0", "position": 1,
                       "color": 0, "hoist": False, "managed": False, "mentionable": True,
                       "flags": 0}],
            "channels": [_text_channel(guild_id, channel_id)], "threads": [],
            "members": [member(u) for u in (*USERS, BOT_ID)], "emojis": [], "stickers": [],
            "features": [], "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "mfa_level": 0, "premium_tier": 0,
            "preferred_locale": "en-US", "nsfw_level": 0, "system_channel_flags": 0,
            "joined_at": "2026-01-01T00:00:00+00:00", "voice_states": [], "presences": []}


def _template(path: str) -> str:
    return "/".join("{id}" if p.isdigit() else p for p in path.split("/"))


def _unquote(text: str) -> str:
    from urllib.parse import unquote

    return unquote(text)


def _multipart(raw: bytes, content_type: str) -> tuple[Any, list[tuple[str, str, bytes]]]:
    """A multipart/form-data body as discord.py sends files: the ``payload_json`` part and
    every other part as (field name, file name, bytes)."""
    parsed = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    payload: Any = None
    files: list[tuple[str, str, bytes]] = []
    for part in parsed.iter_parts():
        name = str(part.get_param("name", header="content-disposition") or "")
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        if name == "payload_json":
            payload = json.loads(data)
        else:
            files.append((name, str(part.get_filename() or ""), data))
    return payload, files


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py does not parse it with "; charset=utf-8".
    return web.Response(body=json.dumps(body).encode(), status=status,
                        headers={**(headers or {}), "Content-Type": "application/json"})


@asynccontextmanager
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    app = web.Application()
    app.router.add_route("*", "/api/v10/{tail:.*}", fake.rest)
    app.router.add_get("/gateway", fake.gateway_ws)
    app.router.add_get("/gateway/", fake.gateway_ws)
    async with serve(app) as port:
        fake.port = port
        try:
            yield fake
        finally:
            if fake._ws is not None:
                await fake._ws.close()
