"""The app's one catalogue of texts (app/messages.py)."""

from app import messages
from layers.bilingual import Bilingual


def test_the_catalogues_entries_are_bilingual() -> None:
    tables = [
        messages.MESSAGES,
        messages.TITLES,
        messages.LABELS,
        messages.PAGE_TEXT,
        messages.SCRIPT_TEXT,
        messages.API_TEXT,
        *messages.VALUE_LABELS.values(),
    ]
    for table in tables:
        for key, text in table.items():
            assert isinstance(text, Bilingual), key
            assert text.ko and text.en, key


def test_layers_in_words_names_every_layer_in_a_sentence() -> None:
    words = messages.layers_in_words()
    assert words.ko.count(", ") == len(messages.registry.LAYER_IDS) - 1
    assert words.en.count(", ") == len(messages.registry.LAYER_IDS) - 2
    assert " and " in words.en and "toilets" in words.en


def test_script_text_carries_the_value_labels() -> None:
    assert messages.script_text("en")["open_status.open"] == "Open"
    assert messages.script_text("ko")["fee.free"] == "무료"
