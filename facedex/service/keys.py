"""API keys with roles. Only SHA-256 hashes of keys are stored; a key file line is
``<sha256-hex> <role> [name]``. ``admin`` can do everything ``search`` can."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Role(StrEnum):
    SEARCH = "search"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a key's name and role, or an anonymous client."""

    name: str
    role: Role | None

    def can(self, role: Role) -> bool:
        if self.role is None:
            return False
        return self.role == Role.ADMIN or self.role == role


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return "fdx_" + secrets.token_urlsafe(24)


class KeyError_(ValueError):
    """A keys file line that cannot be used; says which line and why."""


class KeyStore:
    def __init__(self, entries: dict[str, tuple[Role, str]] | None = None) -> None:
        self._by_hash = dict(entries or {})

    @classmethod
    def load(cls, path: Path | None) -> KeyStore:
        if path is None:
            return cls()
        entries: dict[str, tuple[Role, str]] = {}
        for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) < 2 or len(parts[0]) != 64:
                raise KeyError_(f"{path}:{n}: expected '<sha256-hex> <role> [name]'")
            try:
                role = Role(parts[1])
            except ValueError:
                raise KeyError_(
                    f"{path}:{n}: unknown role {parts[1]!r}; use {[r.value for r in Role]}"
                ) from None
            entries[parts[0].lower()] = (role, parts[2] if len(parts) > 2 else f"key{n}")
        return cls(entries)

    def add(self, key: str, role: Role, name: str) -> None:
        self._by_hash[hash_key(key)] = (role, name)

    def __len__(self) -> int:
        return len(self._by_hash)

    def lookup(self, key: str) -> Principal | None:
        h = hash_key(key)
        for stored, (role, name) in self._by_hash.items():
            if hmac.compare_digest(stored, h):
                return Principal(name=name, role=role)
        return None
