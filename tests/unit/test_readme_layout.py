"""The README's layout table matches the tree: every folder it names exists, and every
top-level folder and every package of ``simulation/`` and ``ui/`` is in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]


def table_folders() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Layout") :]
    section = section[: section.index("\n## ", 1)]
    return set(re.findall(r"^\| `([^`]+)/` \|", section, flags=re.MULTILINE))


def test_every_folder_the_readme_names_exists() -> None:
    folders = table_folders()
    assert folders, "the layout table was found"
    assert [f for f in sorted(folders) if not (ROOT / f).is_dir()] == []


def test_every_top_level_folder_and_simulation_and_ui_package_is_in_the_readme() -> None:
    made = {"runs", "build", "__pycache__"}  # what runs and installs leave behind
    top = {
        p.name
        for p in ROOT.iterdir()
        if p.is_dir() and not p.name.startswith(".") and not p.name.endswith(".egg-info")
    } - made
    packages = {
        f"{parent}/{p.name}"
        for parent in ("simulation", "ui")
        for p in (ROOT / parent).iterdir()
        if (p / "__init__.py").is_file()
    }
    folders = table_folders()
    missing = sorted((top - {"ui"} | packages) - folders)
    assert missing == []
