"""The Russian and Kazakh catalogues are complete and current, and no template shows text that
cannot be translated. `make messages` (GNU gettext) updates the catalogues; these checks need
only Python, so `make test` enforces them everywhere.
"""

import fnmatch
import gettext
import html.parser
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
NPLURALS = {"ru": 3, "kk": 2}  # gettext's plural forms each language needs (CLDR: ru one/few/many, kk one/other)
IGNORED = [line.strip() for line in (ROOT / "locale/ignore.txt").read_text().splitlines() if line.strip()]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def catalogue(language: str):
    with open(ROOT / f"locale/{language}/LC_MESSAGES/django.po", "rb") as f:
        return read_po(f, locale=language)


def source_files() -> list[Path]:
    """What makemessages reads (Makefile's `messages`): our templates and code, less locale/ignore.txt."""
    found = []
    for pattern in ("templates/**/*.html", "templates/**/*.txt", "campaign/**/*.py"):
        for path in ROOT.glob(pattern):
            relative = path.relative_to(ROOT).as_posix()
            if not any(fnmatch.fnmatch(relative, ignored) for ignored in IGNORED):
                found.append(path)
    return sorted(found)


def marked_strings() -> set:
    """Every msgid the code and templates mark, found as makemessages finds them: templates are
    turned into gettext calls by Django's own templatize, then read as Python."""
    found = set()
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            text = templatize(text, origin=str(path))
        for _lineno, _func, message, _comments in extract_python(io.BytesIO(text.encode()), KEYWORDS, [], {}):
            if isinstance(message, tuple):
                message = tuple(m for m in message if m is not None)
                message = message[0] if len(message) == 1 else message
            found.add(message)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_none_is_fuzzy(language):
    cat = catalogue(language)
    assert cat.num_plurals == NPLURALS[language], cat.plural_forms
    problems = []
    for message in cat:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or (message.pluralizable and len(strings) != NPLURALS[language]):
            problems.append(f"untranslated: {message.id!r}")
        # Placeholders are kept: a lost %(name)s would drop the signer's name from the email.
        wanted = set(re.findall(r"%\(\w+\)s", " ".join(message.id if isinstance(message.id, tuple) else [message.id])))
        if any(set(re.findall(r"%\(\w+\)s", s)) != wanted for s in strings):
            problems.append(f"placeholders differ: {message.id!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_in_the_catalogue_and_nothing_stale(language):
    in_catalogue = {
        message.id if isinstance(message.id, str) else tuple(message.id)
        for message in catalogue(language)
        if message.id
    }
    marked = marked_strings()
    assert marked - in_catalogue == set(), "run `make messages` and translate what is new"
    assert in_catalogue - marked == set(), "run `make messages` to drop strings the code no longer uses"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_file_is_compiled_from_the_po_file(language):
    with open(ROOT / f"locale/{language}/LC_MESSAGES/django.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)._catalog
    expected = {}
    for message in catalogue(language):
        if not message.id:
            continue
        if isinstance(message.id, str):
            expected[message.id] = message.string
        else:
            expected.update({(message.id[0], n): string for n, string in enumerate(message.string)})
    compiled = {key: value for key, value in compiled.items() if key != ""}  # the header
    assert compiled == expected, "run `make messages` (or `manage.py compilemessages`) and commit django.mo"


# --- Templates: no visible text outside a translation tag ---------------------------------------

# Names, which read the same in every language.
ALLOWED = {"WhatsApp", "Telegram", "Bluesky", "Facebook", "English", "Русский", "Қазақша"}
VISIBLE_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "value"}
VISIBLE_META = {
    "description",
    "og:title",
    "og:description",
    "og:site_name",
    "og:image:alt",
    "twitter:title",
    "twitter:description",
}
HIDDEN_ELEMENTS = {"script", "style"}
TRANSLATED_BLOCK = re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
COMMENT = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
TAG_OR_VARIABLE = re.compile(r"{%.*?%}|{{.*?}}", re.S)


class _VisibleText(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in HIDDEN_ELEMENTS:
            self._hidden += 1
        if tag == "input" and attrs.get("type") == "hidden":
            return
        for name in VISIBLE_ATTRIBUTES & attrs.keys():
            self.texts.append(attrs[name] or "")
        if tag == "meta" and (attrs.get("name") in VISIBLE_META or attrs.get("property") in VISIBLE_META):
            self.texts.append(attrs.get("content") or "")

    def handle_endtag(self, tag):
        if tag in HIDDEN_ELEMENTS:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.texts.append(data)


def untranslatable_text(source: str) -> list[str]:
    """Words of a template a visitor would see that no translation tag covers."""
    source = COMMENT.sub(" ", source)
    source = TRANSLATED_BLOCK.sub(" ", source)
    source = TAG_OR_VARIABLE.sub(" ", source)
    parser = _VisibleText()
    parser.feed(source)
    words = []
    for text in parser.texts:
        words += [word for word in re.findall(r"[^\W\d_]+", text) if word not in ALLOWED]
    return words


@pytest.mark.parametrize(
    "path", [p for p in source_files() if p.suffix != ".py"], ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_no_template_shows_text_outside_a_translation_tag(path):
    assert untranslatable_text(path.read_text(encoding="utf-8")) == []


def test_the_template_check_finds_untranslated_text():
    assert untranslatable_text('<p>{% translate "Fine" %} Oops</p><img alt="A map">') == ["Oops", "A", "map"]
    assert untranslatable_text('<meta name="description" content="Plain">') == ["Plain"]
    assert (
        untranslatable_text('<meta name="viewport" content="width=device-width">{# a note #}<a href="/x/">WhatsApp</a>')
        == []
    )
