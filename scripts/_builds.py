"""What the model build scripts share: hashing, the staged folder, the command line.

Every build writes into a temporary folder beside its target and, once complete (the
manifest is written last), renames it into place, so a target folder that holds a
manifest is always a whole build; a build that fails leaves nothing behind.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class BuildError(RuntimeError):
    """A build that cannot finish; its message says why and what to do."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_is_complete(
    target: Path,
    expected: dict[str, Any],
    *,
    onnx_sha256: str | None = None,
    files: tuple[str, ...] = (),
) -> bool:
    """Return True when `target` holds a finished build: its manifest has every `expected`
    field, `model.onnx` (and each of `files`) is there, and the ONNX file's hash is
    `onnx_sha256`, or, without one, the hash its manifest recorded."""
    try:
        manifest = json.loads((target / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict):
        return False
    if any(manifest.get(key) != value for key, value in expected.items()):
        return False
    onnx_path = target / "model.onnx"
    if not onnx_path.is_file() or not all((target / f).is_file() for f in files):
        return False
    return sha256_file(onnx_path) == (onnx_sha256 or manifest.get("onnx_sha256"))


@contextmanager
def staged_folder(out: Path, folder: str, complete: Callable[[Path], bool]) -> Iterator[Path]:
    """Yield an empty folder to build in; when the block ends, it becomes `out/folder`.

    The folder is on the target's filesystem, so the final rename is atomic. If another
    build finished first and its folder is `complete`, that one is kept. On any error the
    temporary folder is removed and the error goes on.
    """
    out.mkdir(parents=True, exist_ok=True)
    target = out / folder
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder}-build-", dir=out))
    try:
        yield tmp
        os.chmod(tmp, 0o755)
        try:
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{folder}-old-", dir=out))
                target.rename(old / folder)
                tmp.rename(target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                tmp.rename(target)
        except OSError:
            if not complete(target):
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def run_cli(
    name: str,
    doc: str | None,
    builds: list[Callable[..., Path]],
    argv: list[str] | None = None,
    *,
    force_help: str = "rebuild even if up to date",
) -> int:
    """Parse `--out` and `--force`, run each build in turn; 1 with the message on a BuildError."""
    parser = argparse.ArgumentParser(prog=name, description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--out", type=Path, default=Path("var/models"), help="models folder")
    parser.add_argument("--force", action="store_true", help=force_help)
    args = parser.parse_args(argv)
    try:
        for build in builds:
            build(args.out, force=args.force)
    except BuildError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    return 0
