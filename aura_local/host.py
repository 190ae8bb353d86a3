"""The local Functions host: serves the HTTP triggers over ASGI, delivers messages and fires timers.

`LocalHost(app)` enumerates `app.get_functions()` once and adapts each trigger the way the Functions
host does: HTTP requests become `func.HttpRequest`s routed by the same route templates under /api,
Service Bus messages come from `aura_local.delivery`, timers follow their NCRONTAB schedules. Functions
are synchronous, so every invocation runs in a worker thread; the event loop only moves bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import mimetypes
import os
import re
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import anyio.to_thread
import azure.functions as func
from azure.functions.timer import TimerRequest
from croniter import croniter

from aura_local.delivery import BoundFunction, BusRoutes, Dispatcher, bind_functions, utcnow

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MiB = 1024 * 1024
DEFAULT_MAX_BODY_BYTES = 110 * MiB
PROBLEM_CONTENT_TYPE = "application/problem+json"
ALL_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"})
_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


# --- route templates ------------------------------------------------------------------------------------

# ASP.NET Core route constraints the Functions host understands, as regular expressions on one segment.
_CONSTRAINT_PATTERNS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "bool": r"true|false",
    "guid": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}",
    "alpha": r"[a-z]+",
    "decimal": r"-?(?:\d+(?:\.\d*)?|\.\d+)",
    "double": r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?",
    "float": r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?",
    "datetime": r"[^/]+",
}
_PARAMETER = re.compile(r"\{([^{}]+)\}")

# Precedence of a segment: literals win over parameters, constrained over free, free over catch-all.
_LITERAL, _MIXED, _CONSTRAINED, _FREE, _OPTIONAL, _CATCH_ALL = range(6)


def _constraint_pattern(constraint: str, template: str) -> str | None:
    """The segment regex of a constraint such as `int` or `guid`; others are not checked locally."""
    pattern = _CONSTRAINT_PATTERNS.get(constraint.strip().lower())
    if pattern is None:
        log.warning("route %s: constraint %r is not checked by the local host", template, constraint)
    return pattern


@dataclass(frozen=True)
class RouteTemplate:
    """A compiled Functions route template (`users/{id:guid}`, `files/{*path}`, `items/{page:int?}`)."""

    template: str
    pattern: re.Pattern[str]
    groups: tuple[tuple[str, str], ...]  # (regex group, parameter name)
    defaults: tuple[tuple[str, str], ...]
    precedence: tuple[int, ...]
    # How many segments every path it matches has, or None when an optional or catch-all parameter makes
    # that vary; and then its literal segments by position (lower case), for `RouteTable`'s pre-filter.
    segments: int | None = None
    literals: tuple[tuple[int, str], ...] = ()

    @classmethod
    def compile(cls, template: str) -> RouteTemplate:
        groups: list[tuple[str, str]] = []
        defaults: list[tuple[str, str]] = []
        precedence: list[int] = []
        regex = ""
        segments = [segment for segment in template.strip("/").split("/") if segment]
        literals: list[tuple[int, str]] = []
        fixed = True
        for position, segment in enumerate(segments):
            parameters = list(_PARAMETER.finditer(segment))
            if not parameters:
                regex += "/" + re.escape(segment)
                precedence.append(_LITERAL)
                literals.append((position, segment.lower()))
                fixed = fixed and segment.isascii()
                continue
            whole = len(parameters) == 1 and parameters[0].group(0) == segment
            piece, last_end, rank = "", 0, _MIXED
            for match in parameters:
                piece += re.escape(segment[last_end : match.start()])
                last_end = match.end()
                spec = match.group(1).strip()
                catch_all = spec.startswith("*")
                spec = spec.lstrip("*")
                optional = spec.endswith("?")
                spec = spec.rstrip("?")
                spec, _, default = spec.partition("=")
                name, *constraints = spec.split(":")
                name = name.strip()
                group = f"p{len(groups)}"
                groups.append((group, name))
                if default:
                    defaults.append((name, default))
                    optional = True
                value_pattern = ".*" if catch_all else r"[^/]+"
                for constraint in constraints:
                    value_pattern = _constraint_pattern(constraint, template) or value_pattern
                piece += f"(?P<{group}>{value_pattern})"
                if whole:
                    rank = (
                        _CATCH_ALL if catch_all else _OPTIONAL if optional else _CONSTRAINED if constraints else _FREE
                    )
            piece += re.escape(segment[last_end:])
            if whole and (optional or catch_all):
                regex += f"(?:/{piece})?"
            else:
                regex += "/" + piece
            fixed = fixed and not (optional or catch_all)
            precedence.append(rank)
        # \Z, not $: a path ending in an encoded newline must not match the route without it.
        pattern = re.compile(f"^{regex}/?\\Z", re.IGNORECASE)
        return cls(
            template,
            pattern,
            tuple(groups),
            tuple(defaults),
            tuple(precedence),
            len(segments) if fixed and segments else None,
            tuple(literals) if fixed and segments else (),
        )

    def match(self, path: str) -> dict[str, str] | None:
        """Route parameters when `path` (with its leading slash, after the prefix) matches, else None."""
        found = self.pattern.match(path)
        if found is None:
            return None
        values = dict(self.defaults)
        for group, name in self.groups:
            value = found.group(group)
            if value is not None and value != "":
                values[name] = value
        return values


def _method_name(method: Any) -> str:
    return str(method.value if isinstance(method, Enum) else method).upper()


@dataclass(frozen=True)
class HttpRoute:
    function: BoundFunction
    template: RouteTemplate
    methods: frozenset[str]

    @classmethod
    def for_function(cls, function: BoundFunction) -> HttpRoute:
        route = function.trigger.get("route") or function.name
        methods = function.trigger.get("methods")
        allowed = frozenset(_method_name(method) for method in methods) if methods else ALL_METHODS
        return cls(function, RouteTemplate.compile(str(route)), allowed)


class _Branch:
    """A node of the route table's tree: the literal segments and the parameter that may come next, and
    the routes whose last segment ends here (with their place in precedence order)."""

    __slots__ = ("ending", "literals", "parameter")

    def __init__(self) -> None:
        self.literals: dict[str, _Branch] = {}
        self.parameter: _Branch | None = None
        self.ending: list[tuple[int, HttpRoute]] = []


class RouteTable:
    """The routes in precedence order, resolved without trying every route's regular expression.

    A route whose every segment is a literal or parameters matches only paths of its number of segments
    with its literals in place, so those routes form a tree by segment (a literal, or any value for a
    parameter), and a path tries only the routes at the end of its branches, in precedence order, then
    their expressions as before. Scanning all 230 expressions took 0.3 ms for
    `/engagements/{id}/review-notes/{id}`, about a tenth of that request's CPU (`make bench-load`).
    Routes with an optional or catch-all parameter are always tried, and a path that is not ASCII (whose
    case-insensitive match the tree does not model) tries every route.
    """

    def __init__(self, routes: Iterable[HttpRoute]) -> None:
        self.routes: tuple[HttpRoute, ...] = tuple(sorted(routes, key=lambda route: route.template.precedence))
        self._root = _Branch()
        self._flexible: list[tuple[int, HttpRoute]] = []
        for order, route in enumerate(self.routes):
            template = route.template
            if template.segments is None:
                self._flexible.append((order, route))
                continue
            literals = dict(template.literals)
            branch = self._root
            for position in range(template.segments):
                literal = literals.get(position)
                if literal is not None:
                    branch = branch.literals.setdefault(literal, _Branch())
                else:
                    branch.parameter = branch.parameter or _Branch()
                    branch = branch.parameter
            branch.ending.append((order, route))

    def candidates(self, path: str) -> Sequence[HttpRoute]:
        """The routes that may match `path` (with its leading slash), in precedence order."""
        if not path.isascii():
            return self.routes
        trimmed = path[1:] if path.startswith("/") else path
        trimmed = trimmed[:-1] if trimmed.endswith("/") else trimmed
        branches = [self._root]
        for segment in trimmed.split("/") if trimmed else ():
            lowered = segment.lower()
            following: list[_Branch] = []
            for branch in branches:
                literal = branch.literals.get(lowered)
                if literal is not None:
                    following.append(literal)
                if branch.parameter is not None:
                    following.append(branch.parameter)
            branches = following
            if not branches:
                break
        found = [entry for branch in branches for entry in branch.ending]
        if self._flexible:
            found += self._flexible
        found.sort(key=lambda entry: entry[0])
        return [route for _, route in found]


# --- timers -----------------------------------------------------------------------------------------------

_TIMESPAN = re.compile(r"(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2}))?")
_SETTING_REFERENCE = re.compile(r"%([^%]+)%")


class Schedule:
    """A timer trigger's schedule: NCRONTAB with seconds first (`*/5 * * * * *`), or a TimeSpan (`00:05:00`).

    `%NAME%` reads the schedule from the app setting NAME, as the Functions host does. Times are UTC.
    """

    def __init__(self, expression: str) -> None:
        reference = _SETTING_REFERENCE.fullmatch(expression.strip())
        if reference:
            setting = reference.group(1)
            if setting not in os.environ:
                raise ValueError(f"timer schedule refers to app setting {setting}, which is not set")
            expression = os.environ[setting]
        self.expression = expression.strip()
        self.interval: timedelta | None = None
        span = _TIMESPAN.fullmatch(self.expression)
        if span:
            days, hours, minutes, seconds = (int(part or 0) for part in span.groups())
            self.interval = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
            if self.interval <= timedelta(0):
                raise ValueError(f"timer interval {self.expression!r} must be positive")
            return
        if len(self.expression.split()) != 6:
            raise ValueError(f"NCRONTAB {self.expression!r} must have 6 fields: sec min hour day month day-of-week")
        if not croniter.is_valid(self.expression, second_at_beginning=True):
            raise ValueError(f"NCRONTAB {self.expression!r} is not valid")

    def next_after(self, moment: datetime) -> datetime:
        if self.interval is not None:
            return moment + self.interval
        following: datetime = croniter(self.expression, moment, second_at_beginning=True).get_next(datetime)
        return following


@dataclass
class _Timer:
    function: BoundFunction
    schedule: Schedule
    run_on_startup: bool
    next_due: datetime | None = None
    running: Future[None] | None = None
    missed: bool = False


class TimerScheduler:
    """Fires timer triggers at their times in worker threads; a timer never overlaps itself.

    An occurrence that comes while the previous run is still going is coalesced into one later run
    with `past_due=True`, as the Functions host's singleton timer does.
    """

    def __init__(self, functions: Iterable[BoundFunction], *, max_workers: int = 4) -> None:
        self._timers = [
            _Timer(
                function,
                Schedule(str(function.trigger.get("schedule", ""))),
                bool(function.trigger.get("runOnStartup")),
            )
            for function in functions
            if function.trigger_type == "timerTrigger"
        ]
        self._max_workers = max_workers
        self._executor: ThreadPoolExecutor | None = None

    @property
    def timers(self) -> list[str]:
        return [timer.function.name for timer in self._timers]

    def start(self, now: datetime | None = None) -> None:
        if not self._timers:
            return
        now = now or utcnow()
        self._executor = ThreadPoolExecutor(max_workers=self._max_workers, thread_name_prefix="aura-timer")
        for timer in self._timers:
            timer.next_due = timer.schedule.next_after(now)
            if timer.run_on_startup:
                self._fire(self._executor, timer, past_due=False)

    def tick(self, now: datetime | None = None) -> int:
        """Fire the timers that are due; returns how many fired."""
        executor = self._executor
        if executor is None:
            return 0
        now = now or utcnow()
        fired = 0
        for timer in self._timers:
            if timer.next_due is None or timer.next_due > now:
                continue
            if timer.running is not None and not timer.running.done():
                timer.missed = True  # still running: fire when it ends, as past due
                continue
            following = timer.schedule.next_after(timer.next_due)
            past_due = timer.missed or following <= now
            timer.next_due = timer.schedule.next_after(now)
            timer.missed = False
            self._fire(executor, timer, past_due=past_due)
            fired += 1
        return fired

    def _fire(self, executor: ThreadPoolExecutor, timer: _Timer, *, past_due: bool) -> None:
        timer.running = executor.submit(self._run, timer.function, past_due)

    def _run(self, function: BoundFunction, past_due: bool) -> None:
        try:
            function.invoke(TimerRequest(past_due=past_due))
        except Exception:
            log.exception("timer function %s failed", function.name)

    def shutdown(self) -> None:
        """Stop firing; wait for runs in progress."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


# --- the host ---------------------------------------------------------------------------------------------


def _problem(
    status: int, code: str, title: str, detail: str, instance: str
) -> tuple[int, list[tuple[str, str]], bytes]:
    body = {
        "type": f"urn:aura:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
    }
    return status, [("content-type", PROBLEM_CONTENT_TYPE)], json.dumps(body).encode()


def _content_type(mimetype: str, charset: str) -> str:
    """The Content-Type the Python worker derives from a response's mimetype: a charset for text/* only."""
    return f"{mimetype}; charset={charset}" if mimetype.startswith("text/") else mimetype


def _static_headers(root: Path | None) -> list[tuple[str, str]]:
    """The security headers the portal gets in Azure (staticwebapp.config.json's globalHeaders), so the
    portal runs locally under the same Content-Security-Policy. HSTS means nothing over plain HTTP."""
    config = root / "staticwebapp.config.json" if root is not None else None
    if config is None or not config.is_file():
        return []
    declared = json.loads(config.read_text()).get("globalHeaders", {})
    return [(name, str(value)) for name, value in declared.items() if name.lower() != "strict-transport-security"]


class LocalHost:
    """The app's functions, hosted: an ASGI application plus a background loop for messages and timers.

    Use the instance itself as the ASGI app. Under uvicorn (lifespan on) the background loop starts
    and stops with the server; in-process tests may drive `dispatcher` and `timers` directly instead.
    """

    def __init__(
        self,
        app: func.FunctionApp,
        *,
        route_prefix: str = "api",
        static_dir: Path | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        poll_interval: float = 0.2,
        run_bus: bool = True,
        run_timers: bool = True,
        max_delivery_count: int = 10,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        http_workers: int | None = None,
        response_headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.functions: tuple[BoundFunction, ...] = bind_functions(app.get_functions())
        self.http_workers = http_workers or _pool_connections()
        # Requests without credentials (sign-in above all, each a deliberately slow password hash) get a
        # lane of their own, so a burst of them, or a password sprayer, cannot take every worker from
        # the signed-in users' requests.
        self.anonymous_workers = max(2, self.http_workers // 2)
        self._lanes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Lanes] = weakref.WeakKeyDictionary()
        self.route_prefix = "/" + route_prefix.strip("/") if route_prefix.strip("/") else ""
        self.static_dir = static_dir.resolve() if static_dir is not None else None
        self.static_headers = _static_headers(self.static_dir)
        self.max_body_bytes = max_body_bytes
        self.poll_interval = poll_interval
        self.run_bus = run_bus
        # A host sharing its database with other processes of the same `aura serve` (aura_local/workers.py)
        # leaves the timers to one of them: a timer fires once per occurrence, as the Functions host's
        # singleton timer does across instances.
        self.run_timers = run_timers
        # Added to every response; the worker processes name themselves with it.
        self.response_headers = [(name.lower(), value) for name, value in response_headers]
        routes = [HttpRoute.for_function(f) for f in self.functions if f.trigger_type == "httpTrigger"]
        self.route_table = RouteTable(routes)
        self.http_routes: tuple[HttpRoute, ...] = self.route_table.routes
        self.dispatcher = Dispatcher(
            BusRoutes.from_functions(self.functions),
            max_delivery_count=max_delivery_count,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
        )
        self.timers = TimerScheduler(self.functions)
        known = {"httpTrigger", "serviceBusTrigger", "timerTrigger"}
        for function in self.functions:
            if function.trigger_type not in known:
                log.warning("function %s: %s triggers are not hosted locally", function.name, function.trigger_type)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bus_failures = 0
        self._bus_retry_at = 0.0
        self._abandoned_released = False
        self._lock = threading.Lock()

    # -- the background loop --

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start relaying, delivering and firing timers in a background thread."""
        with self._lock:
            if self.running:
                return
            self._stop.clear()
            if not (self.run_bus or self.run_timers):
                return  # a worker that only answers HTTP (aura_local/workers.py) has no loop to run
            if self.run_timers:
                self.timers.start()
            self._thread = threading.Thread(target=self._loop, name="aura-local-host", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the loop after the delivery in progress, then wait for running timers."""
        with self._lock:
            self._stop.set()
            thread = self._thread
            if thread is not None:
                thread.join(timeout)
                if thread.is_alive():
                    log.warning("the background loop did not stop within %.0f s", timeout)
                else:
                    self._thread = None
            self.timers.shutdown()
            self.dispatcher.leases.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.poll_interval)

    def tick(self) -> bool:
        """One pass of the loop: timers, relay, deliveries. Never raises; False when a step failed.

        While the bus keeps failing (the database is down), its steps back off up to 5 s and only the
        first failure of a streak is logged with its traceback; timers keep their times meanwhile.
        """
        healthy = True
        try:
            self.timers.tick()
        except Exception:
            log.exception("firing timers failed")
            healthy = False
        if not self.run_bus or time.monotonic() < self._bus_retry_at:
            return healthy
        try:
            if not self._abandoned_released:
                # Deliveries a killed host left locked are due now, not when their locks expire.
                self.dispatcher.release_abandoned()
                self._abandoned_released = True
            self.dispatcher.relay_once()
            while not self._stop.is_set() and self.dispatcher.deliver_once() >= self.dispatcher.batch_size:
                pass
        except Exception as exc:
            self._bus_failures += 1
            delay = min(self.poll_interval * 2**self._bus_failures, 5.0)
            self._bus_retry_at = time.monotonic() + delay
            if self._bus_failures == 1:
                log.exception("relaying or delivering messages failed")
            else:
                log.warning("relaying or delivering messages failed again (%s)", type(exc).__name__)
            return False
        if self._bus_failures:
            log.info("relaying and delivering messages again")
        self._bus_failures = 0
        return healthy

    # -- ASGI --

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            await receive()
            await send({"type": "websocket.close", "code": 1000})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    self.start()
                except Exception as exc:
                    log.exception("the local host failed to start")
                    await send({"type": "lifespan.startup.failed", "message": type(exc).__name__})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await anyio.to_thread.run_sync(self.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        method = str(scope["method"]).upper()
        prefix = self.route_prefix
        if not prefix or path == prefix or path.startswith(prefix + "/"):
            status, headers, body = await self._invoke_http(scope, receive, path[len(prefix) :] or "/", method)
        elif self.static_dir is not None and method in ("GET", "HEAD"):
            status, headers, body = await anyio.to_thread.run_sync(self._static, self.static_dir, path)
        elif path == "/" and method in ("GET", "HEAD"):
            pointer = {"name": "Aura local host", "api": f"{prefix}/", "docs": f"{prefix}/docs"}
            status, headers, body = 200, [("content-type", "application/json")], json.dumps(pointer).encode()
        else:
            status, headers, body = _problem(404, "not_found", "Not Found", "Nothing is served at this path.", path)
        await self._respond(send, status, headers, b"" if method == "HEAD" else body, len(body))

    def resolve(self, path: str, method: str) -> tuple[HttpRoute, dict[str, str]] | frozenset[str] | None:
        """The route and its parameters; or the allowed methods when only the method differs; or None."""
        allowed: set[str] = set()
        for route in self.route_table.candidates(path):
            params = route.template.match(path)
            if params is None:
                continue
            if method in route.methods:
                return route, params
            allowed.update(route.methods)
        return frozenset(allowed) if allowed else None

    async def _invoke_http(
        self, scope: Scope, receive: Receive, path: str, method: str
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        instance = scope["path"]
        resolved = self.resolve(path, method)
        if resolved is None:
            return _problem(404, "not_found", "Not Found", "No function is bound to this route.", instance)
        if isinstance(resolved, frozenset):
            status, headers, body = _problem(
                405, "method_not_allowed", "Method Not Allowed", f"{method} is not allowed here.", instance
            )
            return status, [*headers, ("allow", ", ".join(sorted(resolved)))], body
        route, route_params = resolved
        request_headers = _request_headers(scope)
        declared = request_headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return self._too_large(instance)
        received = await self._read_body(receive)
        if received is None:
            return self._too_large(instance)
        request = func.HttpRequest(
            method,
            _request_url(scope, request_headers),
            headers=request_headers,
            params=dict(reversed(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))),
            route_params=route_params,
            body=received,
        )
        started = time.perf_counter()
        try:
            limiter = self._http_limiter(signed_in="authorization" in request_headers)
            result = await anyio.to_thread.run_sync(route.function.invoke, request, limiter=limiter)
        except Exception:
            log.exception("function %s failed", route.function.name)
            return _problem(500, "internal_error", "Internal Server Error", "The function failed.", instance)
        finally:
            log.debug("function %s ran in %.1f ms", route.function.name, (time.perf_counter() - started) * 1000)
        return _response_parts(result)

    def _http_limiter(self, *, signed_in: bool) -> anyio.CapacityLimiter:
        """The lane a request waits its turn in (_Lanes), first come first served within it."""
        loop = asyncio.get_running_loop()
        lanes = self._lanes.get(loop)
        if lanes is None:
            lanes = self._lanes[loop] = _Lanes(loop, signed_in=self.http_workers, anonymous=self.anonymous_workers)
        return lanes.signed_in if signed_in else lanes.anonymous

    def _too_large(self, instance: str) -> tuple[int, list[tuple[str, str]], bytes]:
        return _problem(
            413,
            "payload_too_large",
            "Payload Too Large",
            f"The request body is larger than {self.max_body_bytes} bytes.",
            instance,
        )

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole body, or None once it exceeds max_body_bytes."""
        chunks = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunks += message.get("body", b"")
            if len(chunks) > self.max_body_bytes:
                return None
            if not message.get("more_body", False):
                break
        return bytes(chunks)

    def _static(self, root: Path, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """A file under `root`, or index.html for client-side routes; never anything outside it."""
        relative = path.lstrip("/")
        candidate: Path | None = None
        if "\x00" not in relative:
            resolved = (root / relative).resolve()
            if resolved.is_relative_to(root):
                if resolved.is_dir():
                    resolved = resolved / "index.html"
                if resolved.is_file():
                    candidate = resolved
            last_segment = relative.rsplit("/", 1)[-1]
            if candidate is None and "." not in last_segment and (root / "index.html").is_file():
                candidate = root / "index.html"
        if candidate is None:
            return _problem(404, "not_found", "Not Found", "No file is served at this path.", path)
        mimetype = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
        headers = [("content-type", _content_type(mimetype, "utf-8")), *self.static_headers]
        if candidate.name == "index.html":
            headers.append(("cache-control", "no-cache"))
        return 200, headers, candidate.read_bytes()

    async def _respond(
        self, send: Send, status: int, headers: Sequence[tuple[str, str]], body: bytes, length: int
    ) -> None:
        raw_headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
        if self.response_headers:
            raw_headers += [(name.encode("latin-1"), value.encode("latin-1")) for name, value in self.response_headers]
        raw_headers.append((b"content-length", str(length).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})

    def describe(self, base_url: str) -> list[str]:
        """One line per function, like `func start` prints them."""
        lines = []
        for function in self.functions:
            if function.trigger_type == "httpTrigger":
                route = next(r for r in self.http_routes if r.function is function)
                methods = ",".join(sorted(route.methods)) if route.methods != ALL_METHODS else "*"
                lines.append(f"{function.name}: [{methods}] {base_url}{self.route_prefix}/{route.template.template}")
            elif function.trigger_type == "serviceBusTrigger":
                trigger = function.trigger
                source = trigger.get("queueName") or f"{trigger.get('topicName')}/{trigger.get('subscriptionName')}"
                lines.append(f"{function.name}: serviceBusTrigger ({source})")
            else:
                lines.append(f"{function.name}: {function.trigger_type}")
        return lines


class _Lanes:
    """Where requests wait their turn to run, per event loop: at most `signed_in` requests with credentials
    at once (by default as many as the database pool has connections) and `anonymous` others (sign-in above
    all, each a deliberately slow password hash). Under 50 users anyio's default of 40 threads for
    everything queued them in the pool and for the GIL instead, each round trip's wake-up behind dozens of
    threads (`make bench-load`, README).

    While sign-ins queue for their password hash in this process (as many hashes under way or waiting as the
    anonymous lane has room: every sign-in running is at its hash), its signed-in requests run
    SIGNED_IN_WHILE_QUEUED at a time. 50 users signing in at once beside users already signed in took up to
    2.4 s (the first 50 sign-ins of `make bench-load`; 3 to 5 s beside 50 readers), each hash getting a
    thread's share of a CPU that ten readers and their database backends wanted too; so narrowed, the last of
    them ends at 1.1 to 1.5 s, for reads' p95 about 10 ms longer. A single sign-in now and then (one hash)
    narrows nothing: narrowing at every hash cost the reads' p95 twice that (README). Only hashes count, not
    every request without credentials: a client refused by the sign-in limits (429, before any hash) cannot
    hold the signed-in users back, the limits bound how many hashes a guesser gets
    (functions/identity/login_throttle.py), and signed-in requests still run meanwhile, one at a time.
    """

    SIGNED_IN_WHILE_QUEUED = 1
    # Hashes come one after another while a burst drains; the lane stays narrow over the gaps between them.
    WIDEN_AFTER_SECONDS = 0.1

    def __init__(self, loop: asyncio.AbstractEventLoop, *, signed_in: int, anonymous: int) -> None:
        from shared.auth import passwords

        self.signed_in_tokens = signed_in
        self.signed_in = anyio.CapacityLimiter(signed_in)
        self.anonymous = anyio.CapacityLimiter(anonymous)
        self.queued_hashes = anonymous
        self._loop = loop
        self._widen: asyncio.TimerHandle | None = None
        self._watcher = self._hashing  # passwords holds it weakly: it lives as long as these lanes
        passwords.watch_hashing(self._watcher)

    def _hashing(self, pending: int) -> None:
        """From the hashing thread: narrow or widen the signed-in lane, on the loop's own thread."""
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits in these lanes
            self._loop.call_soon_threadsafe(self._narrow, pending >= self.queued_hashes)

    def _narrow(self, backlog: bool) -> None:
        # Requests already running go on; a wider lane lets those waiting in at once.
        if backlog:
            if self._widen is not None:
                self._widen.cancel()
                self._widen = None
            self.signed_in.total_tokens = self.SIGNED_IN_WHILE_QUEUED
        elif self._widen is None and self.signed_in.total_tokens != self.signed_in_tokens:
            self._widen = self._loop.call_later(self.WIDEN_AFTER_SECONDS, self._widen_now)

    def _widen_now(self) -> None:
        self._widen = None
        self.signed_in.total_tokens = self.signed_in_tokens


def _pool_connections() -> int:
    """The connections the app's database pool may open (AURA_DB_POOL_SIZE + AURA_DB_MAX_OVERFLOW)."""
    from shared.settings import get_settings

    settings = get_settings()
    return settings.db_pool_size + settings.db_max_overflow


def _request_headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    # As the Functions front end does: the peer's address goes last in X-Forwarded-For, where the sign-in
    # limits look for the client (functions/identity/client_address.py); what the client sent stays before it.
    client = scope.get("client")
    if client:
        forwarded = headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{forwarded}, {client[0]}" if forwarded else str(client[0])
    return headers


def _request_url(scope: Scope, headers: dict[str, str]) -> str:
    scheme = scope.get("scheme", "http")
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 7071)
        host = f"{server[0]}:{server[1]}"
    raw_path = scope.get("raw_path") or scope["path"].encode()
    query = scope.get("query_string", b"")
    url = f"{scheme}://{host}{raw_path.decode('latin-1')}"
    return f"{url}?{query.decode('latin-1')}" if query else url


def _response_parts(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """An ASGI response from what the function returned (an HttpResponse; a str or bytes means 200)."""
    if result is None:
        return 204, [], b""
    if isinstance(result, (str, bytes)):
        result = func.HttpResponse(result)
    if not isinstance(result, func.HttpResponse):
        raise TypeError(f"an HTTP function returned {type(result).__name__}, not an HttpResponse")
    headers = [(str(name), str(value)) for name, value in result.headers.items() if name.lower() not in _HOP_BY_HOP]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("content-type", _content_type(result.mimetype, result.charset)))
    return int(result.status_code), headers, result.get_body()


# --- serving ----------------------------------------------------------------------------------------------


def build_server(
    local_host: LocalHost, *, host: str = "127.0.0.1", port: int = 7071, log_level: str = "info"
) -> uvicorn.Server:
    """A uvicorn.Server for the host; its lifespan starts and stops the background loop."""
    import uvicorn

    config = uvicorn.Config(
        local_host,
        host=host,
        port=port,
        lifespan="on",
        log_level=log_level,
        timeout_graceful_shutdown=10,
        server_header=False,
    )
    return uvicorn.Server(config)


def serve(
    app: func.FunctionApp,
    host: str = "127.0.0.1",
    port: int = 7071,
    static_dir: Path | None = None,
    **options: Any,
) -> None:
    """Run the app on uvicorn until interrupted; `options` go to LocalHost (poll_interval, ...)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    local_host = LocalHost(app, static_dir=static_dir, **options)
    server = build_server(local_host, host=host, port=port)
    base_url = f"http://{host}:{port}"
    for line in local_host.describe(base_url):
        log.info("  %s", line)
    log.info("Aura local host: %s%s/ (static files: %s)", base_url, local_host.route_prefix, static_dir or "none")
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
