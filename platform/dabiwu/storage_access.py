"""The object store named by the settings (file:// by default, s3:// for MinIO)."""

from __future__ import annotations

from dabiwu.settings import Settings
from dabiwu.storage import ObjectStore, open_store


def store_for(settings: Settings) -> ObjectStore:
    return open_store(settings.resolved_storage_url, s3_endpoint_url=settings.s3_endpoint_url)
