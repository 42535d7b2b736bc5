"""Audit log of admin actions and opt-outs: one JSON object per line in the library,
append-only, so an operator can answer "who erased what, when" without a database."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def write(self, action: str, actor: str, **details: Any) -> None:
        """Record one action. Never pass image bytes or embeddings here."""
        line = json.dumps(
            {"ts": round(time.time(), 3), "action": action, "actor": actor, **details}, default=str
        )
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")

    def tail(self, n: int = 100) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()[-n:]
        return [json.loads(x) for x in lines if x.strip()]
