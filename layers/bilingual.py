"""Text in the two languages the service speaks: one type for every label, title and message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Lang = Literal["ko", "en"]
LANGS: tuple[Lang, ...] = ("ko", "en")
DEFAULT_LANG: Lang = "ko"


@dataclass(frozen=True, slots=True)
class Bilingual:
    """A text in Korean and English. Called with a language, `text(lang)`, it gives one of them
    (Korean unless lang is "en")."""

    ko: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.ko

    def format(self, **values: Any) -> Bilingual:
        """Both texts with `{name}` placeholders filled from `values`."""
        return Bilingual(self.ko.format(**values), self.en.format(**values))

    def both(self, separator: str = " · ") -> str:
        """Both texts in one string, Korean first (for readers of either language)."""
        return f"{self.ko}{separator}{self.en}"

    def by_lang(self) -> dict[str, str]:
        """{"ko": …, "en": …}, for JSON documents that carry both."""
        return {"ko": self.ko, "en": self.en}
