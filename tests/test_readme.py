"""What the README, docs/architecture.md and checks/README.md say holds at HEAD: the examples
run as written or print what is quoted, the module map names every module and its layers are
the imports', option choices and counts match the code."""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path

from helpers import SUBPROCESS_TIMEOUT

README = Path(__file__).resolve().parent.parent / "README.md"
ROOT = README.parent


def _python_block_after(heading: str) -> str:
    text = README.read_text()
    section = text[text.index(heading):]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_the_callbacks_example_runs_in_a_plain_model_fit(tmp_path):
    code = _python_block_after("### The diagnostic callbacks in your own `model.fit`")
    assert "from unetdiag.training.callbacks import diagnostic_callbacks" in code
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=SUBPROCESS_TIMEOUT, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert "info imbalance.summary - Foreground is" in lines[0]
    assert lines[-1] == "stopped by: nothing"


def _console_box_text(heading: str) -> str:
    """The words inside the first rich box of the console block after ``heading``."""
    section = README.read_text().split(heading, 1)[1]
    block = re.search(r"```console\n(.*?)```", section, re.DOTALL).group(1)
    rows = [line.strip("│ ") for line in block.splitlines() if line.startswith("│")]
    return " ".join(" ".join(rows).split())


def test_the_explain_log_example_is_what_explain_log_says_of_the_seed_log():
    from unetdiag import explain_log

    heading = "### What the original project's log says"
    command = "$ unetdiag explain-log tests/data/logs/seed_readme_log.txt"
    assert command in README.read_text().split(heading, 1)[1]
    quoted = _console_box_text(heading)
    log = ROOT / "tests" / "data" / "logs" / "seed_readme_log.txt"
    assert quoted == " ".join(explain_log(log).headline.split())

#: Entries of docs/architecture.md's module map sit at two spaces a level; deeper lines
#: continue an entry's description.
_CONTINUATION_INDENT = 19


def _modules_named_in_the_map() -> set[Path]:
    """Every ``*.py`` docs/architecture.md's map names, under the folder it is listed in."""
    tree = (ROOT / "docs" / "architecture.md").read_text().split("```")[1].splitlines()[1:]
    folders: list[tuple[int, str]] = []
    named: set[Path] = set()
    for line in tree:
        indent = len(line) - len(line.lstrip())
        if line.strip() and indent < _CONTINUATION_INDENT:
            entry = line.split()[0]
            while folders and folders[-1][0] >= indent:
                folders.pop()
            if entry.endswith("/"):
                folders.append((indent, entry.rstrip("/")))
        folder = Path(*(name for _, name in folders))
        named.update(folder / name for name in re.findall(r"\b\w+\.py\b", line))
    return named


def test_the_architecture_map_names_every_module():
    modules = {path.relative_to(ROOT) for path in (ROOT / "unetdiag").rglob("*.py")
               if path.name != "__init__.py"}
    assert sorted(modules - _modules_named_in_the_map()) == []


def test_the_catalogue_example_is_a_case_of_known_corruptions_and_finding_ids(tmp_path):
    # checks/README.md's example is what a newcomer copies: it must load, name corruptions
    # that exist and expect finding ids the catalogue's own cases find
    from unetdiag.catalogue import load_case
    from unetdiag.diag.synth.corruptions import CORRUPTIONS

    text = (ROOT / "checks" / "README.md").read_text()
    example = tmp_path / "example.toml"
    example.write_text(re.search(r"```toml\n(.*?)```", text, re.DOTALL).group(1))
    case = load_case(example)
    assert {corruption["kind"] for corruption in case.corruptions} <= set(CORRUPTIONS)
    known = {expected.id for path in sorted((ROOT / "checks").glob("*.toml"))
             for run in load_case(path).runs for expected in run.expect}
    named = {expected.id for run in case.runs for expected in run.expect}
    named |= {absent for run in case.runs for absent in run.absent}
    assert sorted(named - known) == []


def _choices_by_option() -> dict[str, tuple[list[str], object]]:
    """Every option with choices, over every command: its choices and its default."""
    from unetdiag.cli.parser import build_parser

    parser = build_parser()
    commands = next(action for action in parser._actions
                    if isinstance(action, argparse._SubParsersAction))
    return {option: (list(action.choices), action.default)
            for command in commands.choices.values() for action in command._actions
            if action.choices for option in action.option_strings}


def test_option_choices_the_docs_list_are_the_parsers():
    # `--opt a|b|c` in the README or the module map lists every choice, or every choice but
    # the default (`--dice-preset seed|keras|monai`)
    choices = _choices_by_option()
    for doc in (README, ROOT / "docs" / "architecture.md"):
        listed = re.findall(r"(--[a-z-]+) ([\w-]+(?:\\?\|[\w-]+)+)", doc.read_text())
        assert listed
        for option, names in listed:
            named = set(re.split(r"\\?\|", names))
            known, default = choices[option]
            assert named in (set(known), set(known) - {default}), (doc.name, option, known)


def _layers_of_the_map() -> list[set[str]]:
    """docs/architecture.md's ``**a** ← **b** + **c** ← ...``: the packages of each layer,
    bottom first."""
    opening = (ROOT / "docs" / "architecture.md").read_text().split("\n\n")[1]
    return [set(re.findall(r"\*\*(\w+)\*\*", part)) for part in opening.split("←")]


def test_no_package_imports_a_package_the_architecture_map_puts_above_it():
    layers = _layers_of_the_map()
    level = {package: index for index, names in enumerate(layers) for package in names}
    assert set(level) == {"diag", "report", "training", "cli"}
    upward = []
    for path in sorted((ROOT / "unetdiag").rglob("*.py")):
        package = path.relative_to(ROOT / "unetdiag").parts[0]
        if package not in level:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module] if isinstance(node, ast.ImportFrom) and node.level == 0
                     else [alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [])
            for name in filter(None, names):
                parts = name.split(".")
                if (parts[0] == "unetdiag" and len(parts) > 1 and parts[1] in level
                        and level[parts[1]] > level[package]):
                    upward.append(f"{path.relative_to(ROOT)} imports {name}")
    assert upward == []


_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                 "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen")


def test_the_count_of_layouts_is_the_count_of_their_bullets():
    text = README.read_text()
    said = re.search(r"^(\w+) more layouts are read as they are distributed", text, re.MULTILINE)
    after = text[said.end():].split("\n\n", 2)[1]  # the bullet list after the sentence
    bullets = re.findall(r"^- \*\*", after, re.MULTILINE)
    assert _NUMBER_WORDS.index(said.group(1).lower()) == len(bullets)


def test_the_readme_names_every_extension_the_reader_reads():
    """The sentence a user reads to know whether their files will be opened lists every
    extension the reader accepts (the Netpbm ones were missing)."""
    from unetdiag.diag.data.reading import SUPPORTED_EXTENSIONS

    text = README.read_text(encoding="utf-8")
    sentence = text.split("### Training on your own data", 1)[1].split("For example", 1)[0]
    named = set(re.findall(r"\b([a-z]{3,4})\b", sentence))
    missing = [ext for ext in SUPPORTED_EXTENSIONS if ext.lstrip(".") not in named]
    assert not missing, f"README's file-type sentence lacks {missing}"
