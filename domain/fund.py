"""The dedicated account (专账) and the money put into it."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Created, Entity, entity_id


class Fund(Entity):
    """A dedicated account of one jurisdiction, or a district sub-account of one."""

    TOPIC = "skillfund:Fund"

    class Opened(Created):
        TOPIC = "skillfund:Fund.Opened"
        fund_id: str
        jurisdiction: str
        name: str
        parent_fund_id: str | None
        on: date
        digest: str

    @staticmethod
    def create_id(fund_id: str) -> UUID:
        return entity_id(f"/funds/{fund_id}")

    @event(Opened)
    def __init__(
        self,
        fund_id: str,
        jurisdiction: str,
        name: str,
        parent_fund_id: str | None,
        on: date,
        digest: str,
    ) -> None:
        self.fund_id, self.jurisdiction, self.name = fund_id, jurisdiction, name
        self.parent_fund_id, self.opened_on, self.digest = parent_fund_id, on, digest


class Deposit(Entity):
    """Money paid into a fund from one funding channel. Its own aggregate, keyed by deposit_id."""

    TOPIC = "skillfund:Deposit"

    class Received(Created):
        TOPIC = "skillfund:Deposit.Received"
        deposit_id: str
        fund_id: str
        amount_fen: int
        channel: str
        reference: str
        on: date
        digest: str

    @staticmethod
    def create_id(deposit_id: str) -> UUID:
        return entity_id(f"/deposits/{deposit_id}")

    @event(Received)
    def __init__(
        self,
        deposit_id: str,
        fund_id: str,
        amount_fen: int,
        channel: str,
        reference: str,
        on: date,
        digest: str,
    ) -> None:
        self.deposit_id, self.fund_id, self.amount_fen = deposit_id, fund_id, amount_fen
        self.channel, self.reference, self.on, self.digest = channel, reference, on, digest
