"""Regressions found by using the product as an analyst would (QA pass)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from compare.core.config import parse_config
from compare.core.errors import CompareError

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_config_error_example_is_what_the_code_says(tmp_path):
    """The README quotes the one-line error of a bad kexie.toml value; it must be the real message."""
    readme = " ".join(README.read_text(encoding="utf-8").split())
    quoted = re.search(r"`(kexie\.toml: reports\[1\][^`]*)`", readme)
    assert quoted, "README no longer quotes the kexie.toml error example"
    text = '[[reports]]\nname = "henan_kepu"\nprovince = "河南"\nyears = "2019"\n'
    with pytest.raises(CompareError) as err:
        parse_config(text, tmp_path / "kexie.toml")
    assert str(err.value).endswith(quoted.group(1)), (str(err.value), quoted.group(1))
