"""The base of every Skillfund aggregate: deterministic ids and explicit topics.

Aggregate ids are uuid5 of a natural-key path (`/claims/C-2020-0007`), so the same key
always names the same aggregate: a second writer of that key conflicts on version 1,
and a duplicate is found by loading, not by searching.

Every stored class declares an explicit TOPIC ("skillfund:Claim.Filed"), so moving a
module never orphans history.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

NAMESPACE = uuid5(NAMESPACE_URL, "https://skillfund.example/ids")


@lru_cache(maxsize=65_536)
def entity_id(path: str) -> UUID:
    """The aggregate id of a natural-key path such as '/funds/KS-2020' (memoised: a
    command names the same people and classes again and again)."""
    return uuid5(NAMESPACE, path)


class Entity(Aggregate):
    """Base class: every subclass declares TOPIC on itself and on each of its events.

    The library defines a generic `Created` event on every aggregate class; ours name
    their creation events after the business fact (`Claim.Filed`), so the generic one
    is removed here and never stored. Creation events subclass `Created` below.
    """

    class Event(Aggregate.Event):
        pass


Created = Aggregate.Created
del Entity.Created


def event_label(domain_event: Any) -> str:
    """The public name of an event: aggregate and event class, e.g. 'ClaimFiled'."""
    return type(domain_event).__qualname__.replace(".", "")


def business_date(domain_event: Any) -> date | None:
    """The business date an event carries (every Skillfund event has `on`)."""
    value = getattr(domain_event, "on", None)
    return value if isinstance(value, date) else None
