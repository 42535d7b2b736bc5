"""Pydantic models of the HTTP API: the OpenAPI schema at /docs is generated from these."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, Field

Box = list[float]
# ids fit SQLite's 64-bit integers; a larger number is a 422, not a 500
Id = Annotated[int, Path(ge=0, le=2**62)]


class ErrorBody(BaseModel):
    error: str = Field(description="Stable machine-readable code")
    message: str = Field(description="What went wrong and what to do about it")


class QueryFace(BaseModel):
    index: int
    box: Box = Field(description="x1, y1, x2, y2 in original image pixels")
    landmarks: list[list[float]]
    quality: float
    score: float


class MatchOut(BaseModel):
    face_id: int
    similarity: float
    same_person: bool
    image_id: int
    crop_url: str
    source: str = Field(description="File path or URL the face was indexed from")
    page_url: str | None = None
    caption: str | None = None
    box: Box
    meta: dict[str, Any] = Field(default_factory=dict)


class SearchResponse(BaseModel):
    query: str = Field(description="Token naming this query's face: page or share with it")
    faces: list[QueryFace] = Field(description="Every face found in the query photo")
    chosen: int | None = Field(description="Index of the face searched, if a photo was sent")
    matches: list[MatchOut]
    next_cursor: str | None = Field(description="Send as `cursor` for the next page")
    threshold: float
    model: str


class ImageOut(BaseModel):
    id: int
    source: str
    status: str
    width: int | None = None
    height: int | None = None
    format: str | None = None
    n_faces: int
    page_url: str | None = None
    caption: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    face_ids: list[int]


class FaceOut(BaseModel):
    id: int
    image_id: int
    box: Box
    landmarks: list[list[float]]
    quality: float
    score: float
    model: str
    crop_url: str
    image: ImageOut


class ShareRequest(BaseModel):
    query: str = Field(min_length=1, max_length=100, description="`query` of a search response")
    count: int = Field(50, ge=1, le=1000, description="How many results the link keeps")


class ShareOut(BaseModel):
    token: str
    url: str
    expires_at: float


class OptOutResult(BaseModel):
    removed: int = Field(description="Indexed faces of this person that were erased")
    blocklisted: int
    shares_removed: int


class IngestRequest(BaseModel):
    kind: Literal["folder", "urls", "feed"] = "folder"
    spec: str = Field(
        min_length=1,
        max_length=4096,
        description="Folder path on the server (folder), or a URL list/feed",
    )


class JobOut(BaseModel):
    id: str
    kind: str
    spec: str
    state: str
    started: float
    finished: float | None
    stats: dict[str, Any]
    error: str | None


class Deleted(BaseModel):
    deleted_faces: int


class Rebuilt(BaseModel):
    vectors: int


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    faces: int
    uptime_s: float
