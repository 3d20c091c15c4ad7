"""One door each way between the platform (`dabiwu`) and the shared registry (`models_registry`), issue #18 item 2.

- `models_registry` imports from `dabiwu` only `dabiwu.registry_port`, and only the names that module exports;
- `dabiwu` imports `models_registry` only where the registry is mounted: the app factory and the command line
  (MOUNTS below), which hand what the rest of the platform needs to it (app.py -> registry_mount.RegistryHooks,
  cli.py -> cli_registry.DistrictTools, cli_server.py -> demo_submissions' `promote`).

Imports are read with `ast`, at module level and inside functions alike (also `importlib.import_module("...")` and
`__import__("...")` with a literal name), so a lazy import cannot slip past.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "platform" / "dabiwu"
REGISTRY = ROOT / "models_registry"
PORT = "dabiwu.registry_port"
MOUNTS = {
    "dabiwu.app": "mounts the registry's router at /api/v1 and hands registry_mount.py its RegistryHooks",
    "dabiwu.cli": "hands the district commands (cli_registry.py) their DistrictTools",
    "dabiwu.cli_server": "hands the demo (demo_submissions.py) the registry's promote_and_commit",
}
REGISTRY_RULE = (
    "models_registry reaches the platform only through dabiwu.registry_port. Fix: import the name from "
    "dabiwu.registry_port; if it is not there, add it to registry_port (to __all__, and to its docstring with the "
    "need it answers) rather than importing a platform module."
)
PLATFORM_RULE = (
    "dabiwu imports models_registry only where the registry is mounted: " + ", ".join(sorted(MOUNTS)) + ". Fix: "
    "let the module take what it needs as an argument and have app.py or the CLI hand it in (as app.py hands "
    "registry_mount.py its RegistryHooks), or move the call into one of those modules."
)


def module_name(path: Path) -> str:
    base = ROOT / "platform" if path.is_relative_to(PLATFORM) else ROOT
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, *, module: str, is_package: bool = False) -> list[tuple[int, str, tuple[str, ...]]]:
    """(line, imported module, names taken from it) for every import in `source`, wherever it stands."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = tuple(alias.name for alias in node.names)
            if base in ("dabiwu", "models_registry"):  # `from dabiwu import registry_port` imports the submodule
                found.extend((node.lineno, f"{base}.{name}", ()) for name in names)
            else:
                found.append((node.lineno, base, names))
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value, ()))
    return found


def _is_dynamic_import(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id in ("__import__", "import_module")) or (
        isinstance(func, ast.Attribute) and func.attr == "import_module")


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def port_exports() -> set[str]:
    from dabiwu import registry_port

    return set(registry_port.__all__)


def registry_violations(source: str, *, where: str, module: str, exports: set[str]) -> list[str]:
    out = []
    for line, imported, names in imports_of(source, module=module, is_package=where.endswith("__init__.py")):
        if not _within(imported, "dabiwu"):
            continue
        if imported != PORT:
            out.append(f"{where}:{line} imports {imported}")
        else:
            out.extend(f"{where}:{line} imports {name} from {PORT}, which does not export it"
                       for name in names if name != "*" and name not in exports)
            out.extend(f"{where}:{line} imports * from {PORT}: name what it uses" for name in names if name == "*")
    return out


def platform_violations(source: str, *, where: str, module: str) -> list[str]:
    if module in MOUNTS:
        return []
    return [f"{where}:{line} imports {imported}"
            for line, imported, _ in imports_of(source, module=module, is_package=where.endswith("__init__.py"))
            if _within(imported, "models_registry")]


def test_models_registry_imports_the_platform_only_through_registry_port():
    exports = port_exports()
    problems = []
    for path in sorted(REGISTRY.rglob("*.py")):
        problems += registry_violations(path.read_text(encoding="utf-8"), where=str(path.relative_to(ROOT)),
                                        module=module_name(path), exports=exports)
    assert not problems, REGISTRY_RULE + "\n" + "\n".join(problems)


def test_the_platform_imports_models_registry_only_where_it_is_mounted():
    problems = []
    for path in sorted(PLATFORM.rglob("*.py")):
        problems += platform_violations(path.read_text(encoding="utf-8"), where=str(path.relative_to(ROOT)),
                                        module=module_name(path))
    assert not problems, PLATFORM_RULE + "\n" + "\n".join(problems)


def test_the_mounts_exist_and_do_mount_the_registry():
    """A stale allow-list would let any module by that name import the registry."""
    for module in MOUNTS:
        path = PLATFORM.parent.joinpath(*module.split(".")).with_suffix(".py")
        assert path.is_file(), f"{module} is allowed to import models_registry but does not exist: drop it from MOUNTS"
        imported = imports_of(path.read_text(encoding="utf-8"), module=module)
        assert any(_within(name, "models_registry") for _, name, _ in imported), (
            f"{module} no longer imports models_registry: drop it from MOUNTS")


def test_registry_port_names_each_export_with_its_need_and_exports_only_what_the_registry_uses():
    from dabiwu import registry_port

    doc = registry_port.__doc__ or ""
    unnamed = sorted(name for name in registry_port.__all__ if f"`{name}`" not in doc and f"`{name}()`" not in doc)
    assert not unnamed, f"registry_port's docstring must name each export with the need it answers: {unnamed}"
    missing = sorted(name for name in registry_port.__all__ if not hasattr(registry_port, name))
    assert not missing, f"registry_port.__all__ names what it does not define: {missing}"
    used = set()
    for path in REGISTRY.rglob("*.py"):
        for _, imported, names in imports_of(path.read_text(encoding="utf-8"), module=module_name(path)):
            if imported == PORT:
                used.update(names)
    unused = sorted(set(registry_port.__all__) - used)
    assert not unused, f"models_registry no longer uses {unused}: drop them from registry_port (keep the door small)"


# -- the checks above can fail ---------------------------------------------------------------------------------

FORBIDDEN_IN_REGISTRY = {
    "module level": "from dabiwu.db.models import Score\n",
    "inside a function": "def f():\n    from dabiwu.scoring.output import read_scores\n",
    "plain import": "import dabiwu.deps\n",
    "the package's submodule by name": "from dabiwu import deps\n",
    "by importlib": "import importlib\nmodule = importlib.import_module('dabiwu.sandbox')\n",
    "a name the port does not export": "from dabiwu.registry_port import get_settings\n",
    "a star": "from dabiwu.registry_port import *\n",
}


@pytest.mark.parametrize("case", sorted(FORBIDDEN_IN_REGISTRY))
def test_a_platform_import_in_the_registry_is_caught(case):
    problems = registry_violations(FORBIDDEN_IN_REGISTRY[case], where="models_registry/x.py",
                                   module="models_registry.x", exports=port_exports())
    assert len(problems) == 1 and problems[0].startswith("models_registry/x.py:"), problems


def test_the_port_and_the_registrys_own_modules_pass():
    source = ("from dabiwu.registry_port import Score, record_audit\nimport dabiwu.registry_port\n"
              "from dabiwu import registry_port\nfrom . import gates\nfrom models_registry.pulls import folder_sha256\n"
              "def f():\n    from .promotion import promote\n")
    assert registry_violations(source, where="models_registry/x.py", module="models_registry.x",
                               exports=port_exports()) == []


FORBIDDEN_IN_PLATFORM = {
    "module level": "from models_registry.pulls import folder_sha256\n",
    "inside a function": "def f():\n    from models_registry.promotion import promote\n",
    "plain import": "import models_registry.leads\n",
    "the package": "import models_registry\n",
    "by __import__": "def f():\n    return __import__('models_registry.leads')\n",
}


@pytest.mark.parametrize("case", sorted(FORBIDDEN_IN_PLATFORM))
def test_a_registry_import_in_the_platform_is_caught(case):
    problems = platform_violations(FORBIDDEN_IN_PLATFORM[case], where="platform/dabiwu/demo_submissions.py",
                                   module="dabiwu.demo_submissions")
    assert len(problems) == 1 and "demo_submissions.py:" in problems[0], problems
    assert platform_violations(FORBIDDEN_IN_PLATFORM[case], where="platform/dabiwu/app.py", module="dabiwu.app") == []


def test_relative_imports_are_resolved():
    assert imports_of("from ..db.models import Score\n", module="dabiwu.districts.service") == [
        (1, "dabiwu.db.models", ("Score",))]
    assert imports_of("from . import leads\n", module="models_registry", is_package=True) == [
        (1, "models_registry.leads", ())]
