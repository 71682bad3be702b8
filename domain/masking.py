"""The one masking policy for everything Skillfund makes public (公示, disclosure reports).

Public lists must let a person recognise their own entry and let anyone check totals, but must
not publish who a trainee is in full. Every public writer masks through these functions and no
other, so a tightening of the policy reaches every report at once:

- names keep the first and, from three characters, the last character: 张三 -> 张*, 张三丰 -> 张*丰,
  欧阳娜娜 -> 欧**娜;
- resident ID numbers keep the region (first 6) and the last 4, hiding the birth date:
  320583199003141011 -> 320583********1011;
- accounts (bank or social-security card) keep the last 4:
  6217000000000000101 -> ***************0101;
- phone numbers keep the first 3 and the last 4: 13812345678 -> 138****5678.

Every masked value has the length of the value it masks. Pure: no I/O, no clock.
"""

from __future__ import annotations

MASK = "*"
RESIDENT_ID_SHOWN_HEAD, RESIDENT_ID_SHOWN_TAIL = 6, 4
ACCOUNT_SHOWN_TAIL = 4
PHONE_SHOWN_HEAD, PHONE_SHOWN_TAIL = 3, 4


def mask_middle(value: str, head: int, tail: int) -> str:
    """Keep `head` leading and `tail` trailing characters and mask the rest; a value too short
    to hide anything between them is masked whole, so nothing short is ever shown in full."""
    if len(value) <= head + tail:
        return MASK * len(value)
    return value[:head] + MASK * (len(value) - head - tail) + value[len(value) - tail :]


def mask_name(name: str) -> str:
    """A person's name: 张三 -> 张*, 张三丰 -> 张*丰, 欧阳娜娜 -> 欧**娜; one character -> *.

    Surrounding blanks are dropped first, so " 张三 " masks as 张*.
    """
    text = name.strip()
    if len(text) <= 1:
        return MASK * len(text)
    if len(text) == 2:
        return text[0] + MASK
    return text[0] + MASK * (len(text) - 2) + text[-1]


def mask_resident_id(resident_id: str) -> str:
    """A resident ID number with its birth date hidden: the first 6 and the last 4 shown.

    320583199003141011 -> 320583********1011. A value of 10 characters or fewer is masked whole.
    """
    return mask_middle(resident_id.strip(), RESIDENT_ID_SHOWN_HEAD, RESIDENT_ID_SHOWN_TAIL)


def mask_account(account: str) -> str:
    """A bank or social-security card account with all but its last 4 characters hidden.

    Blanks inside the number (as printed on cards) are dropped first; an account of 4
    characters or fewer is masked whole.
    """
    text = "".join(account.split())
    return mask_middle(text, 0, ACCOUNT_SHOWN_TAIL)


def mask_phone(phone: str) -> str:
    """A phone number with the first 3 and last 4 digits shown: 13812345678 -> 138****5678.

    Blanks and hyphens are dropped first; a number of 7 characters or fewer is masked whole.
    """
    text = "".join(phone.replace("-", " ").split())
    return mask_middle(text, PHONE_SHOWN_HEAD, PHONE_SHOWN_TAIL)
