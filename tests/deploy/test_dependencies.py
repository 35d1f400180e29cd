"""Each image installs what its service's code imports.

The gateway and model-store images install pyproject's `dependencies` only; the NLU and
vision images add the `inference` extra (see the Dockerfiles). The development venv has
everything, so a missing dependency would only show in a built image. Here every import in a
service's code, including those inside functions, and every module named to
`find_spec`, `import_module` or `resources.files`, is followed through our own packages, and
each third-party module must come from a distribution that the image's requirements install.
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from shared import PROJECT_ROOT

OWN = ("shared", "gateway", "model_store", "nlu_service", "vision_service", "scripts")
PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
CORE = list(PYPROJECT["dependencies"])
INFERENCE = CORE + list(PYPROJECT["optional-dependencies"]["inference"])
# The vision trainer target adds the build extra's torch (vision_service/Dockerfile); the
# detector trainer is the only code that imports it, and only where it is installed.
TORCH = next(r for r in PYPROJECT["optional-dependencies"]["build"] if r.startswith("torch"))

# What each image serves -> (the code it runs, the requirements its Dockerfile installs).
IMAGES: dict[str, tuple[tuple[str, ...], list[str]]] = {
    # The model-store image also runs `python -m scripts.migrate` (the gateway's tables too).
    "gateway": (("gateway", "shared"), CORE),
    "model_store": (("model_store", "shared", "scripts/migrate.py"), CORE),
    "nlu_service": (("nlu_service", "shared"), INFERENCE),
    "vision_service": (("vision_service", "shared"), [*INFERENCE, TORCH]),
}
LOOKUPS = {"find_spec", "import_module", "files"}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_closure(requirements: Iterable[str]) -> set[str]:
    """Return the distributions that installing `requirements` brings in, transitively."""
    seen: set[tuple[str, frozenset[str]]] = set()
    names: set[str] = set()
    pending = [Requirement(r) for r in requirements]
    while pending:
        req = pending.pop()
        key = (normalized(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        names.add(key[0])
        for raw in metadata.distribution(req.name).requires or []:
            sub = Requirement(raw)
            wanted = [{"extra": e} for e in ("", *req.extras)]
            if sub.marker is None or any(sub.marker.evaluate(env) for env in wanted):
                pending.append(sub)
    return names


def _is_type_checking(test: ast.expr) -> bool:
    """`TYPE_CHECKING` or `typing.TYPE_CHECKING`: true only for the type checker."""
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", "")
    return name == "TYPE_CHECKING"


def imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Yield the absolute module names a file imports at run time."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".")
                base = parts if is_package else parts[:-1]
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            yield target
            yield from (f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0] if node.args else None
            if name in LOOKUPS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value
        stack.extend(ast.iter_child_nodes(node))


def own_file(module: str) -> tuple[Path, bool] | None:
    path = PROJECT_ROOT.joinpath(*module.split("."))
    if (path / "__init__.py").is_file():
        return path / "__init__.py", True
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py"), False
    return None


def module_of(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def third_party_imports(roots: Iterable[str]) -> dict[str, str]:
    """Follow our own modules from `roots`; return {third-party top-level module: importer}."""
    files: list[Path] = []
    for root in roots:
        path = PROJECT_ROOT / root
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    pending = [(module_of(f), f, f.name == "__init__.py") for f in files]
    done: set[str] = set()
    found: dict[str, str] = {}
    while pending:
        module, path, is_package = pending.pop()
        if module in done:
            continue
        done.add(module)
        tree = ast.parse(path.read_text(), str(path))
        for name in imported_names(tree, module, is_package):
            top = name.split(".")[0]
            if top in OWN:
                hit = own_file(name)
                if hit is not None:
                    pending.append((name, *hit))
            elif top and top not in sys.stdlib_module_names:
                found.setdefault(top, module)
    return found


@cache
def providers() -> dict[str, list[str]]:
    return {k: [normalized(d) for d in v] for k, v in metadata.packages_distributions().items()}


@pytest.mark.parametrize("image", IMAGES)
def test_every_import_of_a_service_is_installed_in_its_image(image: str) -> None:
    roots, requirements = IMAGES[image]
    installed = installed_closure(requirements)
    found = third_party_imports(roots)
    assert "fastapi" in found and "sqlalchemy" in found  # the scan sees the services' imports
    missing = {
        module: importer
        for module, importer in found.items()
        if not set(providers().get(module, [])) & installed
    }
    assert not missing, f"imported but not installed in the {image} image: {missing}"


def test_the_gateway_and_model_store_images_leave_the_inference_stack_out() -> None:
    core = installed_closure(CORE)
    assert not {"onnxruntime", "numpy", "scikit-learn", "opencv-python", "torch"} & core
    # ...which the scan would catch if the gateway started to use them.
    found = third_party_imports(["nlu_service"])
    assert {"numpy", "onnxruntime", "tokenizers"} <= set(found)
    assert not {p for m in found for p in providers().get(m, [])} <= core


def test_the_scan_follows_lazy_imports_lookups_and_our_own_packages() -> None:
    found = third_party_imports(["nlu_service/engine/person_names.py"])
    assert "names" in found  # resources.files("names") inside a function
    found = third_party_imports(["gateway/docs"])
    assert "fastapi_offline" in found  # importlib.util.find_spec("fastapi_offline")
    # vision's detector trainer imports torch inside a function, through our own modules.
    assert "torch" in third_party_imports(["vision_service/app.py"])
    # Imports only for the type checker are not needed at run time.
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import numpy\n")
    assert "numpy" not in set(imported_names(tree, "shared.x", False))
