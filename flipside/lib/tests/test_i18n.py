from __future__ import annotations

import gettext

from django.utils import translation
from django.utils.translation import trans_real

from flipside.lib.i18n import holds_nothing, skip_empty_fallbacks


def catalogue(messages: dict[str, str]) -> gettext.GNUTranslations:
    """A catalogue as gettext loads one from a .mo file: its header under the empty msgid."""
    made = gettext.GNUTranslations.__new__(gettext.GNUTranslations)
    made._fallback = None
    made._charset = made._output_charset = None
    made._info = {}
    made.plural = lambda n: int(n != 1)
    made._catalog = {"": "Language: en\n", **messages}
    return made


def chain(*catalogues: gettext.GNUTranslations) -> gettext.GNUTranslations:
    for first, then in zip(catalogues, catalogues[1:], strict=False):
        first.add_fallback(then)
    return catalogues[0]


def test_empty_catalogues_are_unlinked_and_every_message_translates_as_before() -> None:
    british = catalogue({"Color": "Colour"})
    middle = catalogue({"Organization": "Organisation"})
    head = chain(british, catalogue({}), catalogue({}), middle, catalogue({}))
    before = [head.gettext(m) for m in ("Color", "Organization", "Home")]

    assert skip_empty_fallbacks(head) == 3

    assert head._fallback is middle
    assert middle._fallback is None
    assert [head.gettext(m) for m in ("Color", "Organization", "Home")] == before
    assert before == ["Colour", "Organisation", "Home"]


def test_a_catalogue_with_messages_is_not_empty() -> None:
    assert holds_nothing(catalogue({}))
    assert not holds_nothing(catalogue({"Home": "Home"}))
    assert not holds_nothing(gettext.NullTranslations())  # no catalogue of its own to judge


def test_the_sites_language_looks_each_message_up_once() -> None:
    # Loaded when the apps were ready: no empty catalogue is left behind British English.
    british = trans_real.translation("en-gb")
    step = british._fallback
    while step is not None:
        assert not holds_nothing(step)
        step = step._fallback
    with translation.override("en-gb"):
        assert translation.gettext("Home") == "Home"
        assert translation.pgettext("abbrev. month", "Jan.") == "Jan."
