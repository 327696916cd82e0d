"""Photos of field records (巡线照片): declared by their record (UUID, SHA-256, size, type),
then uploaded on their own, in parts if need be, resumable at the byte offset the server
reports. A photo is complete when every byte is there, the bytes match the declared hash
and they look like an image; one that does not is reset to nothing, to be sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg2

from geo.audit import Actor
from geo.boundaries import inspections
from geo.boundaries.settings import defaults
from geo.boundaries.sync import client_uuid
from geo.db import execute, fetch_all, fetch_one, load_queries
from geo.errors import Conflict, InvalidInput, NotFound

_Q = load_queries(__file__)
IMAGE_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


@dataclass(frozen=True)
class Rejected:
    """Why a completed upload was refused (its bytes were dropped, to be sent again)."""

    detail: str
    field: str


@dataclass(frozen=True)
class Upload:
    """The state of a photo after an upload: the attachment row, whether the bytes were
    already there, and, when the finished photo was refused, why."""

    attachment: dict
    duplicate: bool = False
    rejected: Rejected | None = None


def declare(conn, inspection_id: int, owner_kind: str, owner_uuid: str, photos: Any,
            field: str) -> None:
    """Record the photos a field record announces (``[{uuid, sha256, size, media_type}]``);
    one declared before must be declared the same way again."""
    s = defaults()
    for i, p in enumerate(photos or []):
        where = f"{field}[{i}]"
        if not isinstance(p, dict):
            raise InvalidInput(f"{where} must be {{uuid, sha256, size, media_type}}", field=where)
        uid = client_uuid(p.get("uuid"), f"{where}.uuid")
        digest = str(p.get("sha256") or "").lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise InvalidInput(f"{where}.sha256 must be 64 hex digits", field=f"{where}.sha256")
        size = p.get("size")
        if not isinstance(size, int) or size <= 0:
            raise InvalidInput(f"{where}.size must be a positive whole number of bytes",
                               field=f"{where}.size")
        if size > int(s["photo_max_bytes"]):
            raise InvalidInput(f"{where} is {size:,} bytes; photos are at most "
                               f"{int(s['photo_max_bytes']):,}", field=f"{where}.size")
        media = p.get("media_type") or "image/jpeg"
        if media not in s["photo_types"]:
            raise InvalidInput(f"{where}.media_type {media} is not an accepted photo type "
                               f"({', '.join(s['photo_types'])})", field=f"{where}.media_type")
        existing = fetch_one(conn, _Q["attachment"], {"uuid": uid})
        if existing:
            if (existing["sha256"], existing["size"], str(existing["owner_uuid"])) != \
                    (digest, size, owner_uuid):
                raise Conflict(f"photo {uid} was declared before with other content",
                               field=f"{where}.uuid")
            continue
        execute(conn, _Q["declare_attachment"], {
            "uuid": uid, "inspection_id": inspection_id, "owner_kind": owner_kind,
            "owner_uuid": owner_uuid, "sha256": digest, "size": size, "media_type": media})


def attachment(conn, actor: Actor, uid: str) -> dict:
    """A declared photo's state: bytes received of its size, complete or not."""
    row = fetch_one(conn, _Q["attachment"], {"uuid": client_uuid(uid, "uuid")})
    if row is None:
        raise NotFound(f"no photo {uid} was declared; declare it with its record first",
                       field="uuid")
    inspections.get(conn, row["inspection_id"], actor)
    return row


def upload(conn, actor: Actor, uid: str, chunk: bytes, *, offset: int = 0,
           total: int | None = None) -> Upload:
    """Append ``chunk`` at ``offset`` of a declared photo (resumable); complete it when every
    byte is there, the SHA-256 matches and the bytes are an image.

    A finished photo that fails those checks is reset to no bytes and returned with
    ``rejected`` set: the caller keeps the reset (the client must start again from 0) and
    refuses the upload. Bytes sent again for a complete photo are a ``duplicate``.
    """
    uid = client_uuid(uid, "uuid")
    row = _declared(conn, actor, uid, total)
    if row["complete"]:
        return _resent(conn, actor, uid, chunk, offset)
    if offset != row["received"]:
        raise Conflict(f"photo {uid} has {row['received']} bytes; send from offset "
                       f"{row['received']}", field="Content-Range", received=row["received"])
    if row["received"] + len(chunk) > row["size"]:
        raise InvalidInput(f"more bytes than the {row['size']} declared", field="Content-Range")
    done = fetch_one(conn, _Q["append_attachment"], {"uuid": uid,
                                                     "chunk": psycopg2.Binary(chunk)})
    rejected = None
    if done["received"] == row["size"]:
        rejected = _verdict(uid, row["sha256"], done)
        execute(conn, _Q["reset_attachment" if rejected else "complete_attachment"],
                {"uuid": uid})
    return Upload(attachment(conn, actor, uid), rejected=rejected)


def _declared(conn, actor: Actor, uid: str, total: int | None) -> dict:
    """The declared photo, locked; the actor must write for a side of its inspection."""
    row = fetch_one(conn, _Q["attachment_for_update"], {"uuid": uid})
    if row is None:
        raise NotFound(f"no photo {uid} was declared; declare it with its record first",
                       field="uuid")
    inspections.side_of(conn, actor, inspections.get(conn, row["inspection_id"], actor))
    if total is not None and total != row["size"]:
        raise InvalidInput(f"the photo was declared with {row['size']} bytes, not {total}",
                           field="Content-Range")
    return row


def _resent(conn, actor: Actor, uid: str, chunk: bytes, offset: int) -> Upload:
    """Bytes sent again for a complete photo: a duplicate when they are its own."""
    whole = bytes(fetch_one(conn, _Q["attachment_data"], {"uuid": uid})["data"])
    if whole[offset:offset + len(chunk)] != chunk:
        raise Conflict(f"photo {uid} is complete and these bytes differ from it",
                       field="uuid")
    return Upload(attachment(conn, actor, uid), duplicate=True)


def _verdict(uid: str, sha256: str, done: dict) -> Rejected | None:
    """Why the whole photo cannot be kept, or None when it can."""
    if bytes(done["digest"]).hex() != sha256:
        return Rejected(f"photo {uid}: the bytes do not match the declared SHA-256; upload "
                        "it again from offset 0", "sha256")
    if not _is_image(bytes(done["head"])):
        return Rejected(f"photo {uid} is not a JPEG, PNG, WebP or HEIC image; upload the "
                        "right file from offset 0", "media_type")
    return None


def _is_image(head: bytes) -> bool:
    if any(head.startswith(magic) for magic, _ in IMAGE_MAGIC):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"heif")


def photo(conn, actor: Actor, uid: str) -> tuple[bytes, str]:
    """A complete photo's bytes and media type."""
    row = fetch_one(conn, _Q["attachment_data"], {"uuid": client_uuid(uid, "uuid")})
    if row is None or not row["complete"]:
        raise NotFound(f"photo {uid} is not (completely) uploaded", field="uuid")
    inspections.get(conn, row["inspection_id"], actor)
    return bytes(row["data"]), row["media_type"]


def photos_of(conn, actor: Actor, inspection_id: int) -> list[dict]:
    """The photos declared in an inspection the actor may read: {uuid, owner_kind,
    owner_uuid, marker_no (a marker check's), media_type, complete}, oldest first."""
    inspections.get(conn, inspection_id, actor)
    return fetch_all(conn, _Q["inspection_photos"], {"id": inspection_id})
