from layers.bilingual import Bilingual


def test_picks_english_only_when_asked_and_korean_otherwise() -> None:
    text = Bilingual("공중화장실", "Public toilets")
    assert text("en") == "Public toilets"
    assert text("ko") == "공중화장실"
    assert text("fr") == "공중화장실"


def test_format_fills_both_languages() -> None:
    text = Bilingual("{n}개", "{n} places").format(n=3)
    assert text == Bilingual("3개", "3 places")


def test_both_and_by_lang_carry_the_two_texts() -> None:
    text = Bilingual("공중화장실", "Public toilets")
    assert text.both() == "공중화장실 · Public toilets"
    assert text.by_lang() == {"ko": "공중화장실", "en": "Public toilets"}


def test_a_layer_without_a_noun_is_named_by_its_title() -> None:
    from layers import registry

    cooling = registry.get("cooling_shelters")  # declares no noun
    assert cooling.noun == Bilingual("무더위쉼터", "cooling shelters")
    parks = registry.get("parks")
    assert parks.noun("en") == "city parks"
