"""The locks in requirements/ are what every install uses (README, .ci/run, the image).
These checks fail when a lock no longer satisfies pyproject.toml, misses a package that
something installed needs, carries a pin without hashes, or was not what this environment
was installed from."""

from __future__ import annotations

import importlib.metadata
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_LOCK = ROOT / "requirements" / "runtime.txt"
TEST_LOCK = ROOT / "requirements" / "test.txt"
BUILD_INPUT = ROOT / "requirements" / "build.in"


@dataclass(frozen=True)
class Pin:
    version: Version
    marker: Marker | None
    hashes: frozenset[str]

    def applies(self) -> bool:
        return self.marker is None or self.marker.evaluate()


def read_lock(path: Path) -> dict[NormalizedName, Pin]:
    """`name==version [; marker] \\` lines, each followed by its `--hash=` lines."""
    pins: dict[NormalizedName, Pin] = {}
    name: NormalizedName | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip().removesuffix("\\").strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("--hash="):
            assert name is not None, f"{path.name}: a hash before any requirement"
            pin = pins[name]
            pins[name] = Pin(pin.version, pin.marker, pin.hashes | {line.removeprefix("--hash=")})
            continue
        assert not line.startswith("-"), f"{path.name}: unexpected option line {line!r}"
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", (
            f"{path.name}: {line!r} is not pinned with =="
        )
        name = canonicalize_name(requirement.name)
        assert name not in pins, f"{path.name}: {name} pinned twice"
        pins[name] = Pin(Version(specifiers[0].version), requirement.marker, frozenset())
    return pins


def project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]  # type: ignore[no-any-return]


def runtime_requirements() -> list[Requirement]:
    return [Requirement(text) for text in project()["dependencies"]]  # type: ignore[attr-defined]


def extra_requirements() -> list[Requirement]:
    extras = project()["optional-dependencies"]
    return [Requirement(text) for text in extras["test"]]  # type: ignore[index]


def build_requirements() -> list[Requirement]:
    lines = BUILD_INPUT.read_text(encoding="utf-8").splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def closure(roots: list[Requirement]) -> set[NormalizedName]:
    """Every distribution the roots need on this platform, by the installed metadata
    (the same versions as the lock, which another test checks)."""
    needed: set[NormalizedName] = set()
    pending = [(root, frozenset(root.extras)) for root in roots]
    while pending:
        requirement, extras = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in needed and not extras:
            continue
        needed.add(name)
        for text in importlib.metadata.requires(requirement.name) or []:
            child = Requirement(text)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if child.marker is None or any(child.marker.evaluate(env) for env in environments):
                pending.append((child, frozenset(child.extras)))
    return needed


LOCKS = {
    "runtime": (RUNTIME_LOCK, lambda: runtime_requirements() + build_requirements()),
    "test": (
        TEST_LOCK,
        lambda: runtime_requirements() + extra_requirements() + build_requirements(),
    ),
}


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_pin_has_hashes_and_no_index_is_named(lock):
    path, _ = LOCKS[lock]
    pins = read_lock(path)
    assert pins
    assert not [name for name, pin in pins.items() if not pin.hashes]
    assert all(len(digest) == len("sha256:") + 64 for pin in pins.values() for digest in pin.hashes)
    text = path.read_text(encoding="utf-8")
    assert "--index-url" not in text and "--find-links" not in text


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_the_lock_satisfies_the_ranges_in_pyproject(lock):
    path, roots = LOCKS[lock]
    pins = read_lock(path)
    problems = []
    for requirement in roots():
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None:
            problems.append(f"{requirement} is not in {path.name}")
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            pinned = f"{requirement.name}=={pin.version}"
            problems.append(f"{path.name} pins {pinned}: not {requirement}")
    assert problems == [], "run requirements/update:\n" + "\n".join(problems)


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_the_lock_holds_everything_the_project_needs(lock):
    path, roots = LOCKS[lock]
    missing = closure(roots()) - set(read_lock(path))
    assert missing == set(), f"not in {path.name} (run requirements/update): {sorted(missing)}"


def test_the_runtime_lock_pins_the_same_releases_as_the_test_lock():
    runtime, full = read_lock(RUNTIME_LOCK), read_lock(TEST_LOCK)
    assert set(runtime) <= set(full)
    assert {name: pin.version for name, pin in runtime.items()} == {
        name: full[name].version for name in runtime
    }
    assert all(pin.hashes == full[name].hashes for name, pin in runtime.items())


def test_this_environment_was_installed_from_the_test_lock():
    """What the tests run on is what the lock says, so a fresh machine runs the same."""
    drift = []
    for name, pin in read_lock(TEST_LOCK).items():
        if not pin.applies():
            continue
        try:
            installed = Version(importlib.metadata.version(name))
        except importlib.metadata.PackageNotFoundError:
            drift.append(f"{name}: not installed (lock: {pin.version})")
            continue
        if installed != pin.version:
            drift.append(f"{name}: {installed} installed, lock: {pin.version}")
    assert drift == [], "install from requirements/test.txt (see README):\n" + "\n".join(drift)


def test_the_lock_reader_refuses_a_range_and_a_pin_without_hashes(tmp_path):
    ranged = tmp_path / "ranged.txt"
    ranged.write_text("babel>=2.14 \\\n    --hash=sha256:" + "0" * 64 + "\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="not pinned"):
        read_lock(ranged)
    bare = tmp_path / "bare.txt"
    bare.write_text("babel==2.19.0\n", encoding="utf-8")
    assert read_lock(bare)[canonicalize_name("babel")].hashes == frozenset()


def test_ci_runs_the_readme_test_command_which_installs_from_the_lock():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme.split("Run the tests:", 1)[1]
    command = after.split("```sh\n", 1)[1].split("\n```", 1)[0].strip()
    assert "--require-hashes -r requirements/test.txt" in command
    assert command.endswith("pytest")
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    serve = readme.split("```sh\n", 1)[1].split("\n```", 1)[0]
    assert "--require-hashes -r requirements/runtime.txt" in serve
