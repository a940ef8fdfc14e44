"""Both catalogues are complete: every UI string has an Italian and an English text."""

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "registry" / "translations"


@pytest.mark.parametrize("locale", ["it", "en"])
def test_catalogue_is_complete(locale):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    missing = [m.id for m in catalog if m.id and not (
        m.string if isinstance(m.id, str) else all(m.string))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not missing, f"{len(missing)} untranslated in {locale}: {missing[:5]}"
    assert not fuzzy, f"fuzzy entries in {locale}: {fuzzy[:5]}"


def test_catalogue_matches_the_source():
    """Every string in the code is in the template (run `make messages` after editing)."""

    root = TRANSLATIONS.parent.parent
    with tempfile.NamedTemporaryFile(suffix=".pot") as pot:
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
                        "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", pot.name,
                        "."], cwd=root, check=True, capture_output=True)
        with open(pot.name, "rb") as handle:
            extracted = {m.id for m in read_po(handle) if m.id}
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        known = {m.id for m in read_po(handle) if m.id}
    missing = extracted - known
    assert not missing, f"run `make messages`: {sorted(map(str, missing))[:5]}"
