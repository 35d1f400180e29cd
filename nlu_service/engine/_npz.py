"""Reproducible npz files: the same arrays always give the same bytes.

`np.savez_compressed` stamps each member with the current time; a committed model file
should be rebuilt byte for byte by its script, so `npz_bytes` gives members a fixed date.
`np.load` reads the result like any other npz archive.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np


def npz_bytes(**arrays: np.ndarray) -> bytes:
    """Return a compressed npz archive of the arrays whose bytes depend on the arrays alone."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            member_bytes = io.BytesIO()
            np.lib.format.write_array(member_bytes, np.asarray(array), allow_pickle=False)
            archive.writestr(member, member_bytes.getvalue(), compresslevel=9)
    return buffer.getvalue()
