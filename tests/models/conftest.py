"""Tiny ONNX models built in the test run, and a loopback HTTP server that serves them.

The models have the shapes of insightface's files (an ArcFace 112x112 -> 512-d embedder,
an SCRFD detector with 9 outputs) but only a few kilobytes of weights, and their outputs
depend on the input, so real code paths run on real onnxruntime sessions.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np
import pytest

if TYPE_CHECKING:
    from onnx import GraphProto, TensorProto

EMBED_DIM = 512
# keypoint offsets (in strides) the tiny detector predicts for every anchor
DET_KPS = np.array([0.25, 0.3, 0.75, 0.3, 0.5, 0.5, 0.3, 0.75, 0.7, 0.75], np.float32)


def _const(name: str, arr: np.ndarray) -> TensorProto:
    from onnx import numpy_helper

    return numpy_helper.from_array(np.asarray(arr), name)


def make_embedder(path: Path, dim: int = EMBED_DIM, seed: int = 0) -> Path:
    """N x 3 x 112 x 112 -> avgpool 4 -> conv 4x4/4 (4 ch) -> relu -> flatten -> (N, dim)."""
    from onnx import TensorProto, helper

    rng = np.random.default_rng(seed)
    w_conv = rng.normal(0, 0.5, (4, 3, 4, 4)).astype(np.float32)
    w_fc = rng.normal(0, 0.1, (4 * 7 * 7, dim)).astype(np.float32)
    nodes = [
        helper.make_node("AveragePool", ["input.1"], ["p"], kernel_shape=[4, 4], strides=[4, 4]),
        helper.make_node("Conv", ["p", "w_conv"], ["c"], kernel_shape=[4, 4], strides=[4, 4]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("Flatten", ["r"], ["f"], axis=1),
        helper.make_node("MatMul", ["f", "w_fc"], ["683"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny-arcface",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, ["None", 3, 112, 112])],
        [helper.make_tensor_value_info("683", TensorProto.FLOAT, ["None", dim])],
        [_const("w_conv", w_conv), _const("w_fc", w_fc)],
    )
    _save(graph, path)
    return path


def make_detector(path: Path, size: int = 640, dynamic: bool = False) -> Path:
    """SCRFD-shaped: for strides 8/16/32, scores (n, 1), boxes (n, 4), kps (n, 10).

    Score of an anchor = sigmoid(20 * (mean of channel 0 over its cell - 0.5)) at stride 32
    (0 at strides 8 and 16), so a white 32x32 cell on black is one face. Boxes are the cell
    itself (distances 0, 0, 1, 1) and keypoints fixed offsets ``DET_KPS`` inside it.
    ``dynamic``: any input size, outputs with a batch axis (1, n, c), as some exports have.
    """
    from onnx import TensorProto, helper

    nodes, inits, outs = [], [], {}
    raw = "_2d" if dynamic else ""
    inits.append(_const("zero_i", np.array([0], np.int64)))
    inits.append(_const("one_i", np.array([1], np.int64)))
    inits.append(_const("col", np.array([-1, 1], np.int64)))
    inits.append(_const("box_d", np.array([[0, 0, 1, 1]], np.float32)))
    inits.append(_const("kps_d", DET_KPS[None]))
    for s in (8, 16, 32):
        gain, bias = (20.0, -10.0) if s == 32 else (0.0, -30.0)
        inits += [
            _const(f"g{s}", np.array(gain, np.float32)),
            _const(f"b{s}", np.array(bias, np.float32)),
        ]
        nodes += [
            helper.make_node(
                "AveragePool", ["input.1"], [f"p{s}"], kernel_shape=[s, s], strides=[s, s]
            ),
            helper.make_node("Slice", [f"p{s}", "zero_i", "one_i", "one_i"], [f"c{s}"]),
            helper.make_node("Reshape", [f"c{s}", "col"], [f"v{s}"]),
            helper.make_node("Concat", [f"v{s}", f"v{s}"], [f"a{s}"], axis=1),  # 2 anchors
            helper.make_node("Reshape", [f"a{s}", "col"], [f"r{s}"]),
            helper.make_node("Mul", [f"r{s}", f"g{s}"], [f"m{s}"]),
            helper.make_node("Add", [f"m{s}", f"b{s}"], [f"l{s}"]),
            helper.make_node("Sigmoid", [f"l{s}"], [f"score_{s}{raw}"]),
            helper.make_node("Mul", [f"r{s}", "zero_f"], [f"z{s}"]),
            helper.make_node("Add", [f"z{s}", "box_d"], [f"bbox_{s}{raw}"]),
            helper.make_node("Add", [f"z{s}", "kps_d"], [f"kps_{s}{raw}"]),
        ]
        if dynamic:  # add the batch axis
            nodes += [
                helper.make_node("Unsqueeze", [f"{kind}_{s}{raw}", "zero_i"], [f"{kind}_{s}"])
                for kind in ("score", "bbox", "kps")
            ]
        outs[s] = f"n{s}" if dynamic else (size // s) ** 2 * 2
    inits.append(_const("zero_f", np.array(0.0, np.float32)))
    # insightface's order: all scores, then all boxes, then all keypoints
    lead = [1] if dynamic else []
    outputs = [
        helper.make_tensor_value_info(f"{kind}_{s}", TensorProto.FLOAT, [*lead, outs[s], c])
        for kind, c in (("score", 1), ("bbox", 4), ("kps", 10))
        for s in (8, 16, 32)
    ]
    graph = helper.make_graph(
        nodes,
        "tiny-scrfd",
        [
            helper.make_tensor_value_info(
                "input.1", TensorProto.FLOAT, [1, 3, "h", "w"] if dynamic else [1, 3, size, size]
            )
        ],
        outputs,
        inits,
    )
    _save(graph, path)
    return path


def _save(graph: GraphProto, path: Path) -> None:
    import onnx
    from onnx import helper

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # readable by any onnxruntime we support
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Served:
    base: str
    files: dict[str, bytes]
    requests: list[str]

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.files``; paths under /nolength/ stream without a Content-Length,
    under /slow/ answer after 2 s."""

    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        srv = self.server
        srv.requests.append(self.path)  # type: ignore[attr-defined]
        files: dict[str, bytes] = srv.files  # type: ignore[attr-defined]
        key = self.path.lstrip("/")
        chunked = key.startswith("nolength/")
        key = key.removeprefix("nolength/")
        if key.startswith("slow/"):
            time.sleep(2.0)
            key = key.removeprefix("slow/")
        if key not in files:
            self.send_error(404, "not found")
            return
        body = files[key]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if not chunked:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def tiny() -> SimpleNamespace:
    """The builders and constants above, for tests (test modules do not import conftest)."""
    pytest.importorskip("onnx", reason="building the test models needs onnx (dev extra)")
    return SimpleNamespace(
        make_embedder=make_embedder,
        make_detector=make_detector,
        sha256_of=sha256_of,
        EMBED_DIM=EMBED_DIM,
        DET_KPS=DET_KPS,
    )


@pytest.fixture(scope="session")
def model_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    pytest.importorskip("onnx", reason="building the test models needs onnx (dev extra)")
    d = tmp_path_factory.mktemp("onnx-src")
    return {
        "embedder": make_embedder(d / "tiny_arcface.onnx"),
        "embedder2": make_embedder(d / "tiny_arcface_b.onnx", seed=1),
        "detector": make_detector(d / "tiny_scrfd.onnx"),
    }


@pytest.fixture(scope="session")
def http_server(model_files: dict[str, Path]) -> Iterator[Served]:
    """A local HTTP server on 127.0.0.1 serving the tiny models (and whatever tests add)."""
    files = {p.name: p.read_bytes() for p in model_files.values()}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.files = files  # type: ignore[attr-defined]
    server.requests = []  # type: ignore[attr-defined]
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    port = server.server_address[1]
    yield Served(f"http://127.0.0.1:{port}", files, server.requests)  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


@pytest.fixture
def model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty model cache, also set as FACEDEX_MODEL_DIR for code that reads settings."""
    d = tmp_path / "models"
    monkeypatch.setenv("FACEDEX_MODEL_DIR", str(d))
    return d
