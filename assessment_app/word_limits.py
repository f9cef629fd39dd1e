"""The word limit a response is held to: a hard cap, or the cap plus a window's tolerance."""

from dataclasses import dataclass

# What a participant over the limit is told: by the server when they submit, and by the editor
# while they type (static/js/word_limit.js fills in the page's copy, made by message_template,
# so the words are the same).
OVER_LIMIT = "Your response has {count}. The limit is {limit}. Remove {over} and submit again."


def words(n: int) -> str:
    """'1 word', '1,502 words'."""
    return f"{n:,} word{'' if n == 1 else 's'}"


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

    def over_limit_message(self, count: int) -> str:
        """What a response of `count` words, over the limit, is told."""
        return OVER_LIMIT.format(count=words(count), limit=self.describe(),
                                 over=words(count - self.allowed))

    def message_template(self) -> str:
        """OVER_LIMIT with this limit filled in, leaving {count} and {over} to the editor."""
        return OVER_LIMIT.format(count="{count}", limit=self.describe(), over="{over}")
