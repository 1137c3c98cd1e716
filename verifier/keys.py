"""Typed keys for what the application shares between handlers."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import Engine

from shangpin.settings import Settings
from verifier.readmodel import ReadModel
from verifier.scanning import ScanService

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", Engine)
READ_MODEL = web.AppKey("read_model", ReadModel)
SCANS = web.AppKey("scans", ScanService)
HASH_KEY = web.AppKey("hash_key", bytes)
