"""Shared fixtures. Tests that need the development face sets skip when they are absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_FACES = Path(os.environ.get("FACEDEX_SHARED_FACES", REPO.parent / "shared" / "faces"))


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """../shared/faces, or skip: a fresh clone without it must still pass."""
    if not (SHARED_FACES / "deepface" / "img1.jpg").exists():
        pytest.skip(
            f"development face sets not found at {SHARED_FACES} "
            "(set FACEDEX_SHARED_FACES to their folder)"
        )
    return SHARED_FACES


@pytest.fixture(scope="session")
def deepface_dir(faces_dir: Path) -> Path:
    return faces_dir / "deepface"


@pytest.fixture(scope="session")
def deepface_library(tmp_path_factory: pytest.TempPathFactory, deepface_dir: Path) -> Path:
    """A library with ../shared/faces/deepface indexed once per test session (read-only use)."""
    import facedex

    root = tmp_path_factory.mktemp("deepface-lib")
    eng = facedex.open(str(root), workers=1)
    eng.index_paths([deepface_dir])
    eng.close()
    return root
