"""The ``civgeo`` parser, in process and with no database: every command has its own help,
a wrong argument is reported with the usage of the command it was given to, and the help
texts say what the commands do."""

import argparse

import pytest

from api.cli import build_parser, main

# Every command of the command line; a command that disappears breaks scripts and the docs.
COMMANDS = {
    "db": {"up", "down", "status", "migrate", "replica"},
    "fixtures": {"fetch", "load", "load-national", "load-city"},
    "users": {"add", "list", "token", "revoke", "passwd", "unlock", "sessions"},
    "names": {"search", "register", "romanize", "crosscheck", "take-effect", "audit", "export",
              "import", "plan", "signs"},
    "network": {"import"},
    "population": {"import", "list"},
    "facilities": {"import", "export"},
    "import": {"markers", "roads", "doors"},
    "coverage": {"circle", "suggest", "indicators", "hotspots", "burial", "set"},
    "boundaries": {"lines", "plan", "team-add", "team-join", "inspect", "patrol", "sample-gpx",
                   "topology", "report"},
    "plates": {"roads", "number", "validate", "campaign", "campaigns", "qr-sheet", "set"},
    "assets": {"fetch"},
    "map": {"overview", "names", "road", "coverage", "boundary"},
    "serve": set(),
    "export": set(),
}


def parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command path, parser) of the root, every group and every command."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, (*path, name))


PARSERS = dict(parsers(build_parser()))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``civgeo ARGV…`` in process: exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_every_command_is_there():
    found = {path[0]: set() for path in PARSERS if len(path) == 1}
    for path in PARSERS:
        if len(path) == 2:
            found[path[0]].add(path[1])
    assert found == COMMANDS
    plan = {path[2] for path in PARSERS if path[:2] == ("names", "plan") and len(path) == 3}
    assert plan == {"list", "reserve", "accept", "decline", "extend", "release", "apply"}


@pytest.mark.parametrize("path", list(PARSERS), ids=lambda p: " ".join(("civgeo", *p)))
def test_help_prints_the_usage_and_description_of_that_command(capsys, path):
    code, out, _ = run(capsys, *path, "--help")
    assert code == 0
    assert out.startswith(f"usage: {' '.join(('civgeo', *path))} ")
    description = PARSERS[path].description
    assert description and description in out


UNEXPECTED = [(("boundaries", "lines", "430202"), "boundaries lines"),
              (("users", "list", "extra"), "users list"),
              (("db", "status", "--verbose"), "db status"),
              (("map", "road", "4", "--out", "road.html", "again"), "map road"),
              (("serve", "--port", "8000", "now"), "serve")]


@pytest.mark.parametrize(("argv", "command"), UNEXPECTED,
                         ids=[" ".join(argv) for argv, _ in UNEXPECTED])
def test_an_unexpected_argument_is_reported_with_the_usage_of_its_command(capsys, argv,
                                                                           command):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith(f"usage: civgeo {command} ")
    assert f"civgeo {command}: error: unrecognized arguments: {argv[-1]}" in err


def test_a_missing_or_unknown_command_is_reported_with_the_usage_of_its_group(capsys):
    code, _, err = run(capsys, "db")
    assert code == 2 and err.startswith("usage: civgeo db ")
    code, _, err = run(capsys, "boundaries", "line")
    assert code == 2 and err.startswith("usage: civgeo boundaries ")
    assert "invalid choice: 'line'" in err


def test_a_bad_json_value_is_an_argument_error_of_its_command(capsys):
    code, _, err = run(capsys, "plates", "set", "3201", "spacing_m", "{4")
    assert code == 2 and err.startswith("usage: civgeo plates set ")
    assert "argument value: not JSON" in err and "Traceback" not in err
    code, _, err = run(capsys, "plates", "number", "三条巷", "--rule", "spacing_m=4")
    assert code == 2 and err.startswith("usage: civgeo plates number ")


def help_of(capsys, *path: str) -> str:
    code, out, _ = run(capsys, *path, "--help")
    assert code == 0
    return " ".join(out.split())      # argparse wraps lines anywhere


def option_help(path: tuple[str, ...], dest: str) -> str:
    return next(a.help for a in PARSERS[path]._actions if a.dest == dest)


def test_fixtures_load_names_every_sample(capsys):
    from fixtures.load import SAMPLES

    only = option_help(("fixtures", "load"), "only")
    text = help_of(capsys, "fixtures", "load")
    for name in SAMPLES:
        assert name in only                       # what --only takes
        assert name.capitalize() in text          # and the description: Zhuzhou, Wuhan …


def test_help_gives_the_limits_the_domain_checks():
    from geo.coverage.suggest import MAX_K

    assert f"1 to {MAX_K}" in option_help(("coverage", "suggest"), "k")


def test_help_says_what_the_outputs_are(capsys):
    assert ".gpkg, .shp, .fgb, .csv or .geojson" in option_help(("facilities", "export"), "out")
    assert ".gpkg, .shp, .fgb, .csv or .geojson" in option_help(("export",), "out")
    for path in (("names", "register"), ("boundaries", "report"), ("plates", "qr-sheet")):
        assert "PDF when --out ends in .pdf" in help_of(capsys, *path)
        assert ".pdf for a PDF" in option_help(path, "out")
    assert "--pdf" not in help_of(capsys, "names", "register")   # there is no such flag
