"""Published catalogs (shortage occupations, training standards, uplift enterprises).

A catalog is in force from its effective date until a later one of the same
jurisdiction and kind takes over. `CatalogIndex` lists every catalog of one
jurisdiction and kind, saved with the catalog in one transaction, so finding the
catalog in force on a date is one load, not a scan.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.base import Created, Entity, entity_id, records


class Catalog(Entity):
    TOPIC = "skillfund:Catalog"

    class Published(Created):
        TOPIC = "skillfund:Catalog.Published"
        catalog_id: str
        jurisdiction: str
        kind: str
        effective_from: date
        entries: list[dict[str, Any]]
        on: date
        digest: str

    @staticmethod
    def create_id(catalog_id: str) -> UUID:
        return entity_id(f"/catalogs/{catalog_id}")

    def __init__(
        self,
        catalog_id: str,
        jurisdiction: str,
        kind: str,
        effective_from: date,
        entries: list[dict[str, Any]],
        on: date,
        digest: str,
    ) -> None:
        self.catalog_id, self.jurisdiction, self.kind = catalog_id, jurisdiction, kind
        self.effective_from, self.entries, self.digest = effective_from, entries, digest

    def occupations(self) -> frozenset[str]:
        return frozenset(str(e["occupation"]) for e in self.entries if "occupation" in e)


class CatalogIndex(Entity):
    """Every catalog of one jurisdiction and kind, in publication order."""

    TOPIC = "skillfund:CatalogIndex"

    class Started(Created):
        TOPIC = "skillfund:CatalogIndex.Started"
        jurisdiction: str
        kind: str

    class Listed(Entity.Event):
        TOPIC = "skillfund:CatalogIndex.Listed"
        catalog_id: str
        effective_from: date
        on: date

    @staticmethod
    def create_id(jurisdiction: str, kind: str) -> UUID:
        return entity_id(f"/catalog-index/{jurisdiction}/{kind}")

    def __init__(self, jurisdiction: str, kind: str) -> None:
        self.jurisdiction, self.kind = jurisdiction, kind
        self.listed: list[tuple[date, str]] = []

    def list_catalog(self, catalog_id: str, effective_from: date) -> None:
        self._listed(catalog_id, effective_from, effective_from)

    @records(Listed)
    def _listed(self, catalog_id: str, effective_from: date, on: date) -> None:
        self.listed.append((effective_from, catalog_id))

    def in_force_on(self, day: date) -> str | None:
        """The catalog in force on `day`: latest effective date, then latest published."""
        best: tuple[date, int, str] | None = None
        for position, (effective_from, catalog_id) in enumerate(self.listed):
            if effective_from <= day and (best is None or (effective_from, position) > best[:2]):
                best = (effective_from, position, catalog_id)
        return best[2] if best else None
