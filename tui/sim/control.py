"""The control API under ``/_sim/``: move the clock, inject faults, load scenarios, reset.

No authentication: the simulator only listens on loopback. Bodies are small JSON objects; see
the README section "Simulator" for examples.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from tui.sim.sdk_fixtures import seed_sdk_fixtures
from tui.sim.wire import json_response

if TYPE_CHECKING:
    from tui.sim.server import Simulator

PREFIX = "/_sim"


def _error(status: int, message: str) -> web.Response:
    return json_response({"error": message}, status=status)


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    data = orjson.loads(raw) if raw.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def describe(sim: Simulator) -> dict[str, Any]:
    """The clock and the addresses, as ``GET /_sim/clock`` shows them."""
    return {
        "base_url": sim.base_url,
        "anthropic_base_url": sim.anthropic_base_url,
        "openai_base_url": sim.openai_base_url,
        "now": sim.clock.now().isoformat().replace("+00:00", "Z"),
        "speed": sim.clock.speed,
    }


def add_routes(app: web.Application, sim: Simulator) -> None:
    async def clock(request: web.Request) -> web.Response:
        return json_response(describe(sim))

    async def advance(request: web.Request) -> web.Response:
        try:
            body = await _body(request)
            sim.clock.advance(
                float(body.get("seconds", 0)),
                minutes=float(body.get("minutes", 0)),
                hours=float(body.get("hours", 0)),
                days=float(body.get("days", 0)),
            )
        except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
            return _error(400, str(exc))
        return json_response(describe(sim))

    async def speed(request: web.Request) -> web.Response:
        try:
            sim.clock.set_speed(float((await _body(request))["speed"]))
        except (KeyError, ValueError, TypeError, orjson.JSONDecodeError) as exc:
            return _error(400, f'expected {{"speed": N}}: {exc}')
        return json_response(describe(sim))

    async def faults_add(request: web.Request) -> web.Response:
        try:
            body = await _body(request)
            fault = sim.faults.inject(
                route=str(body.get("route", "*")),
                kind=str(body.get("kind", "500")),
                count=body.get("count", 1),
                seconds=float(body.get("seconds", 0)),
                after_bytes=int(body.get("after_bytes", 0)),
                retry_after_ms=_optional_int(body.get("retry_after_ms", 10)),
                retry_after=int(body.get("retry_after", 1)),
            )
        except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
            return _error(400, str(exc))
        return json_response({"added": fault.__dict__, "faults": sim.faults.to_json()})

    async def faults_list(request: web.Request) -> web.Response:
        return json_response({"faults": sim.faults.to_json()})

    async def faults_clear(request: web.Request) -> web.Response:
        sim.faults.clear()
        return json_response({"faults": []})

    async def scenario(request: web.Request) -> web.Response:
        try:
            body = await _body(request)
        except (ValueError, orjson.JSONDecodeError) as exc:
            return _error(400, str(exc))
        name = body.get("name")
        if name == "demo":
            sim.seed_demo_workspace()
        elif name == "sdk-fixtures":
            status = body.get("anthropic_batch", "in_progress")
            if status not in ("in_progress", "ended"):
                return _error(400, "anthropic_batch must be 'in_progress' or 'ended'")
            try:
                seed_sdk_fixtures(sim, anthropic_ended=status == "ended")
            except ValueError as exc:  # seeded twice without a reset: the ids are taken
                return _error(409, str(exc))
        else:
            return _error(400, f"unknown scenario {name!r}; available: demo, sdk-fixtures")
        return json_response(
            {
                "scenario": name,
                "anthropic_batches": len(sim.state.anthropic),
                "openai_batches": len(sim.state.openai),
            }
        )

    async def reset(request: web.Request) -> web.Response:
        sim.reset()
        return json_response(describe(sim))

    async def counters(request: web.Request) -> web.Response:
        return json_response(sim.counters)

    async def revoke(request: web.Request) -> web.Response:
        try:
            key = (await _body(request))["key"]
        except (KeyError, ValueError, orjson.JSONDecodeError) as exc:
            return _error(400, f'expected {{"key": KEY}}: {exc}')
        sim.revoke_key(str(key))
        return json_response({"revoked": sorted(sim.revoked_keys)})

    app.router.add_get(PREFIX + "/clock", clock)
    app.router.add_post(PREFIX + "/clock/advance", advance)
    app.router.add_post(PREFIX + "/speed", speed)
    app.router.add_get(PREFIX + "/faults", faults_list)
    app.router.add_post(PREFIX + "/faults", faults_add)
    app.router.add_delete(PREFIX + "/faults", faults_clear)
    app.router.add_post(PREFIX + "/scenario", scenario)
    app.router.add_post(PREFIX + "/reset", reset)
    app.router.add_get(PREFIX + "/counters", counters)
    app.router.add_post(PREFIX + "/keys/revoke", revoke)


def _optional_int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]
