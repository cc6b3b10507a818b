"""The ``email_address`` template filter: parts kept whole, a wrap point between them."""

from __future__ import annotations

from django.template import Context, Template


def render(value: object) -> str:
    template = Template("{% load email_addresses %}{{ value|email_address }}")
    return template.render(Context({"value": value}))


def test_an_address_may_wrap_after_the_at_and_before_each_dot_only() -> None:
    assert render("sam.lee-jones@students.example.ac.uk") == (
        '<span class="email-address"><span>sam</span><wbr><span>.lee-jones@</span><wbr>'
        "<span>students</span><wbr><span>.example</span><wbr><span>.ac</span><wbr>"
        "<span>.uk</span></span>"
    )


def test_markup_in_an_address_is_shown_as_text() -> None:
    html = render('"<script>x</script>"@example.ac.uk')
    assert "<script>" not in html
    assert "&quot;&lt;script&gt;x&lt;/script&gt;&quot;@" in html


def test_nothing_renders_nothing() -> None:
    assert render("") == ""
    assert render(None) == ""
