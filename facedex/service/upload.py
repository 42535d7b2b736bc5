"""Read a multipart or urlencoded form with the upload kept in memory only (never spooled
to a temporary file), within the size limit."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    file: bytes | None = None


async def read_form(request: Request, file_field: str, max_bytes: int) -> Form:
    ctype = request.headers.get("content-type", "")
    out = Form()
    if not ctype:  # an empty POST: the caller learns which fields are missing
        return out
    if ctype.startswith("multipart/form-data"):
        parser = MultiPartParser(
            request.headers, request.stream(), max_files=1, max_fields=16, max_part_size=64 * 1024
        )
        parser.spool_max_size = max_bytes + 1  # stays a BytesIO-backed spool: RAM only
        try:
            form = await parser.parse()
        except MultiPartException as e:
            raise HTTPException(400, f"malformed form: {e.message}") from None
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name == file_field:
                    out.file = await value.read(max_bytes + 1)
                await value.close()
            else:
                out.fields[name] = value
    elif ctype.startswith("application/x-www-form-urlencoded"):
        try:
            form = await request.form(max_files=0, max_fields=16)
        except MultiPartException as e:
            raise HTTPException(400, f"malformed form: {e.message}") from None
        out.fields = {k: v for k, v in form.items() if isinstance(v, str)}
    else:
        raise HTTPException(
            415,
            "send multipart/form-data (a photo as field "
            f"'{file_field}') or application/x-www-form-urlencoded",
        )
    if out.file is not None and len(out.file) > max_bytes:
        raise HTTPException(413, f"photo is over the {max_bytes} byte limit; send a smaller one")
    if out.file is not None and not out.file:
        out.file = None
    return out
