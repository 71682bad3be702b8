"""The dedicated account (专账) and the money put into it."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.base import Created, Entity, entity_id, records
from domain.errors import DomainError
from domain.money import format_fen


class InsufficientFundsError(DomainError):
    """No funding channel of the fund holds enough cash for the movement."""

    code = "insufficient_funds"


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

    class CashMoved(Entity.Event):
        """Cash into (+) or out of (−) one funding channel of the account."""

        TOPIC = "skillfund:Fund.CashMoved"
        kind: str
        reference: str
        channel: str
        amount_fen: int
        on: date

    @staticmethod
    def create_id(fund_id: str) -> UUID:
        return entity_id(f"/funds/{fund_id}")

    def channel_for(self, order: tuple[str, ...], amount_fen: int) -> str:
        """The first channel in `order` holding `amount_fen`; no channel goes below zero."""
        for channel in order:
            if self.cash_by_channel.get(channel, 0) >= amount_fen:
                return channel
        held = ", ".join(f"{c} {format_fen(v)}" for c, v in sorted(self.cash_by_channel.items()))
        raise InsufficientFundsError(
            f"amount: fund {self.fund_id} has no channel holding {format_fen(amount_fen)} yuan"
            f" (cash by channel: {held or 'none'})"
        )

    def split_for(self, order: tuple[str, ...], amount_fen: int) -> dict[str, int]:
        """Take `amount_fen` from the channels in order, each as far as it goes."""
        split, left = {}, amount_fen
        for channel in order:
            take = min(left, self.cash_by_channel.get(channel, 0))
            if take > 0:
                split[channel], left = take, left - take
        if left > 0:
            raise InsufficientFundsError(
                f"amount: fund {self.fund_id} holds {format_fen(self.cash_fen)} yuan,"
                f" less than {format_fen(amount_fen)}"
            )
        return split

    @property
    def cash_fen(self) -> int:
        return sum(self.cash_by_channel.values())

    def move_cash(self, kind: str, reference: str, channel: str, amount_fen: int, on: date) -> None:
        if self.cash_by_channel.get(channel, 0) + amount_fen < 0:
            raise InsufficientFundsError(
                f"amount: channel {channel} of fund {self.fund_id} would go below zero"
            )
        self._cash_moved(kind, reference, channel, amount_fen, on)

    @records(CashMoved)
    def _cash_moved(
        self, kind: str, reference: str, channel: str, amount_fen: int, on: date
    ) -> None:
        self.cash_by_channel[channel] = self.cash_by_channel.get(channel, 0) + amount_fen

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
        self.cash_by_channel: dict[str, int] = {}


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
