"""/.unipython/manifest.json: every entry of the image and why it is there."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Literal

MANIFEST_PATH = "/.unipython/manifest.json"
MANIFEST_VERSION = 1

Kind = Literal["file", "symlink", "dir"]


@dataclass(frozen=True)
class FileEntry:
    path: str  # in the image
    kind: Kind
    size: int  # file size; symlink target length; 0 for directories
    reason: str  # e.g. "imported by json.decoder", "DT_NEEDED of /usr/bin/python3.11"
    target: str | None = None  # symlinks only


def dump_manifest(entries: list[FileEntry]) -> bytes:
    doc = {
        "version": MANIFEST_VERSION,
        "entries": [
            {k: v for k, v in asdict(e).items() if v is not None}
            for e in sorted(entries, key=lambda e: e.path)
        ],
    }
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def load_manifest(data: bytes) -> list[FileEntry]:
    doc = json.loads(data)
    return [
        FileEntry(e["path"], e["kind"], e["size"], e["reason"], e.get("target"))
        for e in doc.get("entries", [])
    ]
