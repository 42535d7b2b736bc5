"""Load test of the HTTP service on 127.0.0.1 only, bounded in count and time.

    python bench/make_big_library.py /tmp/facedex-bench --faces 100000
    python bench/bench_service.py /tmp/facedex-bench --seconds 8 --repeats 3

Starts ``facedex serve`` on a free loopback port (photo analysis in 2 worker processes,
no per-client rate limit: one client machine is all the load), then runs search by face
id and search by 1080p photo at 1, 8 and 32 concurrent clients, and finally an overload
burst to check that the server sheds with 429/503 and recovers. Prints a table and the
median of the repeats as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

PHOTO = Path(__file__).resolve().parents[2] / "shared/faces/face_recognition/obama-1080p.jpg"
MAX_REQUESTS = 20_000  # per run, whatever the duration


BOUNDARY = "facedexbenchboundary"
FORM = {"content-type": "application/x-www-form-urlencoded"}
MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


def multipart(photo: bytes) -> bytes:
    """Encoded once: the load generator shares the CPUs with the server, so it must be cheap."""
    b = BOUNDARY.encode()
    return (
        b"--"
        + b
        + b'\r\nContent-Disposition: form-data; name="k"\r\n\r\n10\r\n--'
        + b
        + b'\r\nContent-Disposition: form-data; name="image"; filename="q.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + photo + b"\r\n--" + b + b"--\r\n"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(library: Path, port: int, workers: int, queue: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FACEDEX_SERVE_RATE_PER_S": "0",
        "FACEDEX_SERVE_PHOTO_QUEUE": str(queue),
        "FACEDEX_SERVE_QUEUE_TIMEOUT_S": "2",
    }
    cmd = [
        sys.executable,
        "-c",
        "from facedex.cli import main; main()",
        "serve",
        "-L",
        str(library),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--analysis-workers",
        str(workers),
    ]
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"facedex-bench-server-{port}.log"
    print(f"server log: {log}", flush=True)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                time.sleep(3)  # let the analysis workers load their models
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"server did not start; see {log}")


async def run(
    base: str,
    mode: str,
    clients: int,
    seconds: float,
    max_face: int,
    photo: bytes,
    polite: bool = True,
) -> dict[str, Any]:
    photo_body = multipart(photo)
    lat: list[float] = []
    codes: dict[int, int] = {}
    transport: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    sent = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal sent
        rng = random.Random()
        while time.monotonic() < deadline and sent < MAX_REQUESTS:
            sent += 1
            t = time.perf_counter()
            try:
                if mode == "face_id":
                    body = f"face_id={rng.randint(1, max_face)}&k=10".encode()
                    r = await client.post("/search", content=body, headers=FORM)
                else:
                    r = await client.post("/search", content=photo_body, headers=MULTIPART)
            except httpx.TransportError as e:  # counted, not fatal: the run goes on
                name = type(e).__name__
                transport[name] = transport.get(name, 0) + 1
                continue
            codes[r.status_code] = codes.get(r.status_code, 0) + 1
            if r.status_code == 200:
                lat.append(time.perf_counter() - t)
            elif r.status_code in (429, 503) and polite:  # honour Retry-After
                await asyncio.sleep(float(r.headers.get("retry-after", "1")))

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    t0 = time.monotonic()
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(clients)))
    elapsed = time.monotonic() - t0
    lat.sort()
    q = (
        (lambda p: round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1))
        if lat
        else (lambda p: None)
    )
    return {
        "mode": mode,
        "clients": clients,
        "ok_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": q(0.5),
        "p99_ms": q(0.99),
        "codes": codes,
        "errors": sum(n for c, n in codes.items() if c >= 500 and c != 503),
        "shed": codes.get(429, 0) + codes.get(503, 0),
        "transport_errors": transport,
    }


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out = dict(runs[0])
    for k in ("ok_per_s", "p50_ms", "p99_ms"):
        vals = [r[k] for r in runs if r[k] is not None]
        out[k] = round(statistics.median(vals), 1) if vals else None
    out["errors"] = sum(r["errors"] for r in runs)
    out["shed"] = sum(r["shed"] for r in runs)
    out["transport_errors"] = sum(sum(r["transport_errors"].values()) for r in runs)
    out["codes"] = [r["codes"] for r in runs]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("library", type=Path)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2, help="photo analysis processes")
    ap.add_argument("--queue", type=int, default=2, help="photo searches allowed to wait")
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--modes", default="face_id,photo")
    a = ap.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(a.library, port, a.workers, a.queue)
    photo = PHOTO.read_bytes()
    try:
        max_face = int(httpx.get(base + "/stats").json()["faces"])
        results = []
        for mode in a.modes.split(","):
            for clients in [int(x) for x in a.clients.split(",")]:
                runs = [
                    asyncio.run(run(base, mode, clients, a.seconds, max_face, photo))
                    for _ in range(a.repeats)
                ]
                m = median_of(runs)
                results.append(m)
                print(
                    f"{mode:8} c={clients:<3} {m['ok_per_s']:>7} ok/s  p50 {m['p50_ms']} ms"
                    f"  p99 {m['p99_ms']} ms  errors {m['errors']}  shed {m['shed']}"
                    f"  conn-errors {m['transport_errors']}",
                    flush=True,
                )
        burst = asyncio.run(run(base, "photo", 96, a.seconds, max_face, photo, polite=False))
        time.sleep(2)
        after = asyncio.run(run(base, "photo", 1, 3, max_face, photo))
        print(
            f"overload: 96 photo clients -> codes {burst['codes']}; afterwards 1 client: "
            f"{after['ok_per_s']} ok/s p50 {after['p50_ms']} ms codes {after['codes']}"
        )
        print(json.dumps({"results": results, "overload": burst, "recovery": after}))
    finally:
        proc.terminate()
        proc.wait(30)


if __name__ == "__main__":
    main()
