"""The function's code: the granted directory as a zip whose bytes depend only on the files."""

import base64
import hashlib
import io
import os
import zipfile

from sluice_sdk import InvalidConfig

#: Every entry's time: a zip of the same files is the same bytes, so its sha256 says "unchanged".
_EPOCH = (1980, 1, 1, 0, 0, 0)


class Bundle:
    """The zipped code and its sha256 as Lambda reports it (`CodeSha256`, base64)."""

    def __init__(self, source: str):
        self.data, self.files = _zip(source)
        self.sha256 = base64.b64encode(hashlib.sha256(self.data).digest()).decode("ascii")


def _zip(source: str):
    if not os.path.isdir(source):
        raise InvalidConfig(f"source {source!r} is not a directory the plan grants")
    out = io.BytesIO()
    files = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, dirs, names in os.walk(source):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(root, name)
                if os.path.islink(path):
                    raise InvalidConfig(f"{path} is a symlink: the code must be plain files")
                entry = zipfile.ZipInfo(os.path.relpath(path, source), _EPOCH)
                # Readable and executable by all, as Lambda runs a custom runtime's `bootstrap`.
                entry.external_attr = 0o100755 << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                with open(path, "rb") as file:
                    archive.writestr(entry, file.read())
                files += 1
    if files == 0:
        raise InvalidConfig(f"source {source!r} holds no files")
    return out.getvalue(), files
