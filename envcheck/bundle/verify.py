"""`envcheck bundle verify`: every file of a bundle against its manifest."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

from envcheck.bundle.build import TOP, read_manifest


def problems(bundle: Path) -> list[str]:
    """One line per file missing, extra, of another size or checksum; empty when intact."""
    files = read_manifest(bundle)["files"]
    seen: dict[str, tuple[str, int]] = {}
    if bundle.is_dir():
        for path in bundle.rglob("*"):
            if path.is_file() and path.name != "manifest.json":
                seen[path.relative_to(bundle).as_posix()] = _digest(path.read_bytes())
    else:
        with tarfile.open(bundle) as tar:
            for member in tar:
                rel = member.name.removeprefix(f"{TOP}/")
                fh = tar.extractfile(member) if member.isfile() else None
                if fh is not None and rel != "manifest.json":
                    seen[rel] = _digest(fh.read())
    out = [f"missing: {rel}" for rel in sorted(set(files) - set(seen) - {"manifest.json"})]
    out += [f"not in the manifest: {rel}" for rel in sorted(set(seen) - set(files))]
    for rel, (digest, size) in sorted(seen.items()):
        want = files.get(rel)
        if want and (want["sha256"] != digest or want["size"] != size):
            out.append(f"changed: {rel}")
    return out


def _digest(data: bytes) -> tuple[str, int]:
    return hashlib.sha256(data).hexdigest(), len(data)
