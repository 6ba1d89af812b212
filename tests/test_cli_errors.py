"""File-system refusals and interruptions reach the user as one clear line, never a traceback."""

from __future__ import annotations

import errno
import os

import pytest
from click.testing import CliRunner
from conftest import write_recipe

from cli.main import main, os_error_message


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_folder_that_cannot_be_written_is_an_error_naming_it(toy_recipe, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = run("build", str(toy_recipe), "-o", str(locked / "out"), "-q")
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Permission denied" in result.output and str(locked / "out") in result.output
    assert "writable" in result.output or "write to" in result.output


def test_a_300_character_dataset_name_is_a_recipe_error(tmp_path):
    name = "d" * 300
    path = write_recipe(tmp_path / "r.yaml", f"name: x\ndatasets:\n  {name}: {{builder: toy.add, count: 5}}\n")
    result = run("build", str(path), "-o", str(tmp_path / "o"), "-q")
    assert result.exit_code == 2 and "is 300 characters long; at most 100" in result.output


def test_os_errors_read_as_one_line_with_a_hint():
    message = os_error_message(OSError(errno.ENAMETOOLONG, "File name too long", "/x/" + "a" * 10))
    assert message == "File name too long: '/x/aaaaaaaaaa'; use shorter dataset, split or folder names"


def test_ctrl_c_says_how_to_resume(toy_recipe, tmp_path, monkeypatch):
    import dsgen.pipeline

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(dsgen.pipeline, "build", interrupted)
    result = CliRunner().invoke(main, ["build", str(toy_recipe), "-o", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 130
    assert "--resume" in result.output and str(tmp_path / "o") in result.output


def test_an_output_folder_below_a_file_is_an_error_naming_it(toy_recipe, tmp_path):
    (tmp_path / "afile").write_text("x")
    result = run("build", str(toy_recipe), "-o", str(tmp_path / "afile" / "out"), "-q")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Not a directory" in result.output and "afile" in result.output


def test_a_huge_count_is_stopped_before_it_fills_the_disk(toy_recipe, tmp_path):
    result = run("build", str(toy_recipe), "-o", str(tmp_path / "o"), "-q", "--set", "datasets.sums.count=1000000000000000")
    assert result.exit_code == 2 and "1,000,000,000,000,300 records" in result.output
    assert "free: lower the counts" in result.output and not (tmp_path / "o").exists()


def test_a_very_large_build_needs_yes_when_nobody_can_be_asked(toy_recipe, tmp_path, monkeypatch):
    import cli.main

    monkeypatch.setattr(cli.main, "CONFIRM_BYTES", 1000)
    result = run("build", str(toy_recipe), "-o", str(tmp_path / "o"), "-q")
    assert result.exit_code == 2 and "pass --yes to build it" in result.output and "2,800 records" in result.output
    assert run("build", str(toy_recipe), "-o", str(tmp_path / "o"), "-q", "--yes").exit_code == 0
