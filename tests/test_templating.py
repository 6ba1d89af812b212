"""dsgen.templating.joiner: compiled rendering keeps template text verbatim, whatever it contains."""

from __future__ import annotations

from fractions import Fraction

import pytest

from dsgen.templating import joiner


def test_joiner_fills_positions_and_converts_like_str():
    render = joiner(["", 2, " has ", 0, "+", 1, " = <<", 0, "+", 1, "=", 3, ">>", 3, "."], 4)
    assert render(12, "7", "Mia", 19) == "Mia has 12+7 = <<12+7=19>>19."
    assert joiner([0, "/", 1], 2)(Fraction(1, 3), 2.5) == "1/3/2.5"
    assert joiner(["unused values"], 2)("a", "b") == "unused values"
    assert joiner([], 0)() == ""
    adjacent = joiner(["a", "b", 0, "", "c", "d", 0], 1)
    assert adjacent("X") == "abXcdX"
    assert [c for c in adjacent.__code__.co_consts if isinstance(c, str)] == ["ab", "cd"]  # one constant each


def test_joiner_renders_several_strings_in_one_call():
    render = joiner([0, " gives ", 1, " ", 2, "."], 4, [1, " has ", 2, " more"], ["#### ", 3])
    assert render("Ann", "Bo", 5, 12) == ("Ann gives Bo 5.", "Bo has 5 more", "#### 12")
    assert joiner(["a"], 0, [])() == ("a", "")


@pytest.mark.parametrize("literal", [
    "{0} {values} {{}} }",  # f-string braces
    "%s %(a)s %% \\n \\ ' \" ''' \"\"\"",  # printf fields, escapes, quotes
    "__import__('os').system('exit 1') #",  # code-like text
    "ünïcödé — \x1e\n\t",
])
def test_joiner_keeps_literal_text_verbatim(literal):
    assert joiner([literal, 0, literal], 1)("X") == f"{literal}X{literal}"


def test_joiner_checks_its_parts_and_arguments():
    with pytest.raises(IndexError):
        joiner(["a", 3], 1)
    with pytest.raises(TypeError):
        joiner(["a", 0], 2)("only one")
