"""File plumbing shared by every command: atomic writes, hashing, YAML/JSON documents, output records."""

from .atomic import atomic_path, fsync, replace, write_bytes, write_text
from .documents import load_document, load_mapping
from .hashing import sha256_of

__all__ = ["atomic_path", "fsync", "load_document", "load_mapping", "replace", "sha256_of", "write_bytes",
           "write_text"]
