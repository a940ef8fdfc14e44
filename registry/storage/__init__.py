"""Files kept beside the database (evidence uploads, issued PDFs, signing keys) behind one
interface, `Store`, with the instance folder (LocalStore) as default and an S3-compatible
object store (registry.storage.s3.S3Store, STORAGE_BACKEND=s3) for several app servers.

The factory installs the app's store (registry.app); code reaches it with `get_store()`.
"""

from registry.storage.base import (
    CERTIFICATES,
    KEYS,
    OPENDATA,
    UPLOADS,
    AlreadyStored,
    NotStored,
    Store,
    check_key,
    content_disposition,
    get_store,
    install,
)
from registry.storage.local import LocalStore
from registry.storage.uploads import (
    discard_if_unreferenced,
    max_bytes,
    send_upload,
    store_upload,
    upload_key,
)

__all__ = [
    "CERTIFICATES", "KEYS", "OPENDATA", "UPLOADS", "AlreadyStored", "LocalStore", "NotStored",
    "Store",
    "check_key", "content_disposition", "discard_if_unreferenced", "get_store",
    "install", "max_bytes", "send_upload", "store_upload", "upload_key",
]
