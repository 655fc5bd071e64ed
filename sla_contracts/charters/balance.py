"""How balanced a draft is: what each side commits to, and how it answered the other's asks."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..models import Charter, ExpectationStatus

# Sides whose commitment counts differ by more than this factor get a warning on submit.
UNEVEN_FACTOR = 3


@dataclass(frozen=True)
class SideBalance:
    """One side's part: its commitments, and the other side's expectations it answered or
    declined."""

    department_id: int
    name: str
    commitments: int
    answered: int
    declined: int


@dataclass
class Balance:
    charter: Charter
    count_a: int
    count_b: int

    @property
    def is_signable(self) -> bool:
        return self.count_a > 0 and self.count_b > 0

    @property
    def missing_a(self) -> bool:
        return self.count_a == 0

    @property
    def missing_b(self) -> bool:
        return self.count_b == 0

    @property
    def is_lopsided(self) -> bool:
        """One side commits to at least twice as much as the other (worth showing)."""
        low, high = sorted((self.count_a, self.count_b))
        return low > 0 and high >= 2 * low and high - low >= 2

    @property
    def is_uneven(self) -> bool:
        """One side commits to more than three times as much as the other (warned on submit)."""
        low, high = sorted((self.count_a, self.count_b))
        return low > 0 and high > UNEVEN_FACTOR * low

    @cached_property
    def sides(self) -> list[SideBalance]:
        """Per side, in the charter's reading order (reads the expectations: load them first)."""
        counts = {
            self.charter.department_a_id: self.count_a,
            self.charter.department_b_id: self.count_b,
        }
        result = []
        for department in self.charter.sides:
            asked_of_it = [
                e for e in self.charter.expectations if e.to_department_id == department.id
            ]
            result.append(
                SideBalance(
                    department_id=department.id,
                    name=department.name,
                    commitments=counts[department.id],
                    answered=sum(e.status == ExpectationStatus.ANSWERED for e in asked_of_it),
                    declined=sum(e.status == ExpectationStatus.DECLINED for e in asked_of_it),
                )
            )
        return result

    @property
    def most_and_least(self) -> tuple[SideBalance, SideBalance]:
        """(the side that commits to most, the side that commits to least)."""
        first, second = self.sides
        return (first, second) if first.commitments >= second.commitments else (second, first)


def balance(charter: Charter) -> Balance:
    """Count each side's commitments (and, when read, the expectations each answered)."""
    return Balance(
        charter,
        len(charter.commitments_by(charter.department_a_id)),
        len(charter.commitments_by(charter.department_b_id)),
    )
