"""The restricted expression evaluator: exact arithmetic, whitelisted syntax, clear refusals."""

import fractions

import pytest
from quicktions import Fraction

from dsgen.errors import DsgenError
from dsgen.expressions import (
    ExpressionError,
    compile_expression,
    evaluate,
    format_number,
    format_operand,
    is_int,
)


@pytest.mark.parametrize(
    ("source", "env", "expected"),
    [
        ("1 + 2 * 3", {}, 7),
        ("7 / 2", {}, Fraction(7, 2)),
        ("8 / 2", {}, 4),
        ("2.5 * 4", {}, 10),
        ("0.1 + 0.2", {}, Fraction(3, 10)),
        ("a * b / c", {"a": 3, "b": 4, "c": 6}, 2),
        ("a // b + a % b", {"a": 17, "b": 5}, 5),
        ("2 ** 10", {}, 1024),
        ("2 ** -2", {}, Fraction(1, 4)),
        ("-a + +b", {"a": 3, "b": 5}, 2),
        ("min(a, b) + max(a, b, 10)", {"a": 3, "b": 4}, 13),
        ("abs(a - b)", {"a": 3, "b": 10}, 7),
        ("round(7 / 2)", {}, 4),
        ("round(5 / 2)", {}, 2),
        ("round(1 / 3, 2)", {}, Fraction(33, 100)),
        ("gcd(12, 18)", {}, 6),
        ("floor(7 / 2) + ceil(7 / 2)", {}, 7),
        ("is_int(a / 2)", {"a": 4}, True),
        ("is_int(a / 2)", {"a": 5}, False),
        ("1 < a < 3", {"a": 2}, True),
        ("1 < a < 3", {"a": 3}, False),
        ("a > 0 and not b", {"a": 1, "b": False}, True),
        ("a == 1 or a == 2", {"a": 2}, True),
        ("x if a > 1 else y", {"a": 2, "x": 10, "y": 20}, 10),
        ("name == 'Ann'", {"name": "Ann"}, True),
    ],
)
def test_values_are_exact(source, env, expected):
    value = evaluate(source, env)
    assert value == expected
    assert type(value) is type(expected)


def test_compiled_once_evaluated_many_times():
    expr = compile_expression("a * b - c", names=["a", "b", "c"], origin="x.yaml")
    assert [expr({"a": i, "b": 2, "c": 1}) for i in range(4)] == [-1, 1, 3, 5]
    assert expr.names == ("a", "b", "c")
    assert expr.operations == ("mul", "sub")


def test_template_shows_the_calculation_in_gsm8k_style():
    expr = compile_expression("(a + b) * c / 100", names="abc")
    assert expr.template == "({a}+{b})*{c}/100"
    assert compile_expression("min(a, b) + 1", names="ab").template == "min({a},{b})+1"


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("__import__('os')", "calling '__import__'"),
        ("__import__('os').system('ls')", "calling anything but a plain function name"),
        ("().__class__", "attribute access"),
        ("().__class__.__bases__[0].__subclasses__()", "not allowed"),
        ("a.real", "attribute access"),
        ("a[0]", "a subscript"),
        ("lambda: 1", "a lambda"),
        ("[x for x in range(3)]", "a comprehension"),
        ("{x for x in a}", "a comprehension"),
        ("(y := 3)", "an assignment"),
        ("open('f')", "calling 'open'"),
        ("eval('1')", "calling 'eval'"),
        ("min(*a)", "a star argument"),
        ("round(a, ndigits=2)", "a keyword argument"),
        ("f'{a}'", "an f-string"),
        ("(1, 2)", "Tuple"),
        ("[1, 2]", "List"),
        ("a @ a", "MatMult"),
        ("a << 2", "LShift"),
        ("a in b", "comparison"),
        ("a is b", "comparison"),
        ("~a", "Invert"),
    ],
)
def test_attacks_and_unsupported_syntax_are_refused(source, fragment):
    with pytest.raises(ExpressionError) as info:
        compile_expression(source, names=["a", "b"], origin="math/scenarios/evil.yaml: solution[0]")
    message = str(info.value)
    assert "math/scenarios/evil.yaml: solution[0]" in message
    assert fragment in message


def test_huge_exponents_are_refused_at_compile_time():
    with pytest.raises(ExpressionError, match="10\\*\\*10\\*\\*10"):
        compile_expression("10**10**10", origin="o")
    with pytest.raises(ExpressionError, match="exceed"):
        compile_expression("123456789012345678901234567890 ** 64", origin="o")


def test_huge_exponents_from_variables_are_refused_at_evaluation():
    expr = compile_expression("a ** b", names="ab", origin="o.yaml")
    assert expr({"a": 2, "b": 10}) == 1024
    with pytest.raises(ExpressionError, match="o.yaml: expression 'a \\*\\* b' failed"):
        expr({"a": 10, "b": 10**10})
    with pytest.raises(ExpressionError):
        expr({"a": 10**100, "b": 60})


def test_unknown_names_are_refused_with_the_known_ones():
    with pytest.raises(ExpressionError, match="unknown name 'cost'.*known: a, b"):
        compile_expression("cost * 2", names=["a", "b"], origin="o")


def test_syntax_errors_and_oversized_sources():
    with pytest.raises(ExpressionError, match="not valid syntax"):
        compile_expression("1 +", origin="o")
    with pytest.raises(ExpressionError, match="longer than"):
        compile_expression("1+" * 400 + "1", origin="o")
    assert evaluate("-(" * 120 + "1" + ")" * 120) == 1  # deep but within the size limit: no crash


def test_expression_error_is_a_dsgen_error():
    assert issubclass(ExpressionError, DsgenError)


def test_division_by_zero_propagates_for_callers_to_reject_a_draw():
    expr = compile_expression("a / b", names="ab")
    with pytest.raises(ZeroDivisionError):
        expr({"a": 1, "b": 0})


def test_gcd_of_non_integers_is_an_error():
    with pytest.raises(ExpressionError, match="whole numbers"):
        evaluate("gcd(a, 2)", {"a": Fraction(1, 2)})


@pytest.mark.parametrize(
    ("value", "text", "operand"),
    [
        (12, "12", "12"),
        (-3, "-3", "(-3)"),
        (Fraction(5, 2), "2.5", "2.5"),
        (Fraction(-1, 8), "-0.125", "(-0.125)"),
        (Fraction(1, 20), "0.05", "0.05"),
        (Fraction(2, 3), "2/3", "(2/3)"),
        (Fraction(10, 1), "10", "10"),
    ],
)
def test_number_formats(value, text, operand):
    assert format_number(value) == text
    assert format_operand(value) == operand
    assert evaluate(operand) == value
    if not isinstance(value, int):  # the standard library's Fractions (parsed answers) format the same
        assert format_number(fractions.Fraction(value.numerator, value.denominator)) == text


def test_is_int():
    assert is_int(3) and is_int(Fraction(4, 2))
    assert not is_int(Fraction(1, 2))
