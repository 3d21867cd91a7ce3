"""Pure logic, tested without wasm (`python3 -m unittest discover -s plugin`): no host call here."""


def release_name(version: str) -> str:
    """The release directory for `version`: the version itself, when it can name a directory."""
    if not version or version.startswith(".") or "/" in version or "\\" in version or not version.isprintable():
        raise ValueError(f"version {version!r} cannot name a release directory")
    return version
