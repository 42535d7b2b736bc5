"""Build a benchmark library: the deepface set indexed for real, plus random unit-vector
faces written straight into the catalog until it holds ``--faces`` faces.

    python bench/make_big_library.py /tmp/facedex-bench --faces 100000
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import facedex

FACES = Path(__file__).resolve().parents[2] / "shared" / "faces" / "deepface"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("library", type=Path)
    ap.add_argument("--faces", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    eng = facedex.open(str(a.library), workers=2)
    eng.index_paths([FACES])
    have = eng.catalog.count_faces()
    rng = np.random.default_rng(a.seed)
    thumb = eng.catalog.thumb(eng.catalog.max_face_id(eng.model_name))
    c = eng.catalog._conn()  # bench-only bulk load; the catalog has no bulk API
    t = time.time()
    per_image = 4
    with eng.catalog._wlock:
        c.execute("BEGIN")
        for start in range(have, a.faces, per_image):
            cur = c.execute(
                "INSERT INTO images (source, status, width, height, format, n_faces, meta,"
                " created) VALUES (?, 'done', 640, 480, 'JPEG', ?, ?, ?)",
                (f"synthetic://{start}", per_image, json.dumps({"synthetic": True}), t),
            )
            vecs = rng.standard_normal((per_image, 128)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            c.executemany(
                "INSERT INTO faces (image_id, x1, y1, x2, y2, score, quality, landmarks, model,"
                " vector, thumb) VALUES (?, 10, 10, 110, 110, 0.9, 0.5, '[]', ?, ?, ?)",
                [(cur.lastrowid, eng.model_name, v.tobytes(), thumb) for v in vecs],
            )
        c.execute("COMMIT")
    print(f"catalog: {eng.catalog.count_faces()} faces ({time.time() - t:.1f} s)")
    t = time.time()
    n = eng.rebuild_index()
    print(f"index: {n} vectors ({time.time() - t:.1f} s)")
    eng.close()


if __name__ == "__main__":
    main()
