"""Load shedding: a full photo queue answers 503 with Retry-After at once."""

from __future__ import annotations

import asyncio

import pytest

from facedex.service.limits import Gate, Overloaded, RateLimiter


def test_gate_sheds_when_queue_is_full() -> None:
    async def go() -> None:
        gate = Gate(slots=1, queue=1, timeout=0.2)
        async with gate.slot():
            waiter = asyncio.create_task(_enter(gate))  # takes the one queue place
            await asyncio.sleep(0.01)
            with pytest.raises(Overloaded) as e:
                async with gate.slot():
                    pass
            assert e.value.status == 503 and e.value.retry_after >= 1
            with pytest.raises(Overloaded):  # the waiter times out in the queue
                await waiter
        async with gate.slot():  # and the gate recovers
            assert gate.running == 1 and gate.waiting == 0

    asyncio.run(go())


async def _enter(gate: Gate) -> None:
    async with gate.slot():
        pass


def test_rate_limiter_refills() -> None:
    rl = RateLimiter(rate_per_s=1000, burst=2)
    rl.take("a")
    rl.take("a")
    with pytest.raises(Overloaded) as e:
        rl.take("a", 1.5)
    assert e.value.status == 429
    rl.take("b")  # clients are independent
    RateLimiter(0, 1).take("a", 100)  # 0 disables the limit
