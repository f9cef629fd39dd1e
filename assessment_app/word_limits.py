"""The word limit a response is held to: a hard cap, or the cap plus a window's tolerance."""

from dataclasses import dataclass


@dataclass(frozen=True)
class WordLimit:
    limit: int
    tolerance_percent: int = 0

    @property
    def allowed(self) -> int:
        """The most words that may be submitted (the limit itself when there is no tolerance)."""
        return self.limit + self.limit * self.tolerance_percent // 100

    def accepts(self, count: int) -> bool:
        return count <= self.allowed

    def describe(self) -> str:
        if self.tolerance_percent:
            return (
                f"{self.limit:,} words, with a tolerance of {self.tolerance_percent}% "
                f"(up to {self.allowed:,} words can be submitted)"
            )
        return f"{self.limit:,} words"
