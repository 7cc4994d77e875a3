from layers.bilingual import Bilingual


def test_picks_english_only_when_asked_and_korean_otherwise() -> None:
    text = Bilingual("공중화장실", "Public toilets")
    assert text("en") == "Public toilets"
    assert text("ko") == "공중화장실"
    assert text("fr") == "공중화장실"


def test_format_fills_both_languages() -> None:
    text = Bilingual("{n}개", "{n} places").format(n=3)
    assert text == Bilingual("3개", "3 places")
