"""The package rules, checked on the import graph of the repository's top-level packages.

- No import cycle between top-level packages.
- A domain package (``DOMAIN_PACKAGES``) imports only ``core``, its own modules, the standard
  library and third-party libraries: never Flask, Werkzeug, ``flask_*`` or wechatpy, never an
  adapter (handlers, api, web, wechat, sandbox, xinbao_cli) and never another domain package.
- ``core`` imports no other package of the repository.
- The adapters point one way: wechat does not import handlers, handlers not web, api not web.

Every import statement counts, wherever it stands (inside a function, under TYPE_CHECKING);
modules named in strings (``import_module``, manifests) do not.
"""

from __future__ import annotations

import ast
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = frozenset({".venv", "tests", "benchmarks", "migrations", "build"})

# No Flask, no WeChat, no other domain: a new service package joins this list.
DOMAIN_PACKAGES = ("followers", "lights", "claims", "branches", "identity", "qr", "menus",
                   "guide", "policies", "academy", "loans", "kb", "console")
ADAPTERS = ("handlers", "api", "web", "wechat", "sandbox", "xinbao_cli")
WEB_LIBRARIES = ("flask", "werkzeug", "wechatpy")  # and every flask_* package
# (importer, imported): the directions the adapters must not take.
FORBIDDEN_DIRECTIONS = (("wechat", "handlers"), ("handlers", "web"), ("api", "web"))

# package -> top-level name it imports -> the files (relative paths) that import it
Graph = Mapping[str, Mapping[str, set[str]]]


def python_files(root: Path) -> Iterator[Path]:
    """Every .py below ``root`` (relative), outside the skipped and hidden directories."""
    for folder, dirnames, filenames in os.walk(root):
        here = Path(folder)
        dirnames[:] = sorted(
            name for name in dirnames
            if not name.startswith(".") and not (here == root and name in SKIPPED_DIRS)
        )
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield (here / name).relative_to(root)


def top_level_packages(root: Path) -> set[str]:
    """The repository's own top-level names: package folders and modules beside app.py."""
    return {
        path.name for path in root.iterdir()
        if path.is_dir() and (path / "__init__.py").is_file() and path.name not in SKIPPED_DIRS
    } | {path.stem for path in root.glob("*.py")}


def imported_names(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module  # relative imports stay inside their own package


def import_graph(root: Path) -> dict[str, dict[str, set[str]]]:
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for relative in python_files(root):
        package = relative.parts[0] if len(relative.parts) > 1 else relative.stem
        tree = ast.parse((root / relative).read_text(encoding="utf-8"), filename=str(relative))
        for name in imported_names(tree):
            top = name.partition(".")[0]
            if top != package:
                graph[package][top].add(relative.as_posix())
    return graph


def _edges(graph: Graph, packages: Iterable[str]) -> dict[str, set[str]]:
    own = set(packages)
    return {source: {target for target in targets if target in own}
            for source, targets in graph.items()}


def _reachable(edges: Mapping[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for target in edges.get(stack.pop(), ()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _shortest_cycle(edges: Mapping[str, set[str]], start: str) -> list[str]:
    """start -> … -> start by the fewest imports (start lies on a cycle)."""
    paths = {target: [start, target] for target in sorted(edges.get(start, ()))}
    queue = list(paths)
    while queue:
        node = queue.pop(0)
        if node == start:
            return paths[node]
        for target in sorted(edges.get(node, ())):
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    raise AssertionError(f"{start} is on no cycle")


def cycles(graph: Graph, packages: Iterable[str]) -> list[str]:
    """One message per group of packages that import each other, round and round."""
    edges = _edges(graph, packages)
    reach = {package: _reachable(edges, package) for package in edges}
    problems: list[str] = []
    done: set[str] = set()
    for package in sorted(edges):
        if package in done or package not in reach[package]:
            continue
        group = {other for other in reach[package] if package in reach.get(other, ())}
        done |= group
        cycle = _shortest_cycle(edges, package)
        files = [
            f"  {source} -> {target}: {', '.join(sorted(graph[source][target]))}"
            for source in sorted(group) for target in sorted(edges[source] & group)
        ]
        problems.append(f"import cycle {' -> '.join(cycle)} (among {', '.join(sorted(group))}):\n"
                        + "\n".join(files))
    return problems


def _is_web_library(name: str) -> bool:
    return name in WEB_LIBRARIES or name.startswith("flask_")


def domain_violations(graph: Graph, packages: Iterable[str]) -> list[str]:
    """A domain package importing a web or WeChat library, an adapter or another domain."""
    forbidden = (set(packages) | set(ADAPTERS) | set(DOMAIN_PACKAGES)) - {"core"}
    return [
        f"{domain} imports {name}: {', '.join(sorted(files))}"
        for domain in DOMAIN_PACKAGES
        for name, files in sorted(graph.get(domain, {}).items())
        if name != domain and (_is_web_library(name) or name in forbidden)
    ]


def core_violations(graph: Graph, packages: Iterable[str]) -> list[str]:
    return [f"core imports {name}: {', '.join(sorted(files))}"
            for name, files in sorted(graph.get("core", {}).items())
            if name in set(packages) - {"core"}]


def direction_violations(graph: Graph) -> list[str]:
    return [f"{source} imports {target}: {', '.join(sorted(graph[source][target]))}"
            for source, target in FORBIDDEN_DIRECTIONS if target in graph.get(source, {})]


PACKAGES = top_level_packages(REPO)
GRAPH = import_graph(REPO)


def test_the_walk_sees_the_packages_and_their_imports():
    assert set(DOMAIN_PACKAGES) | set(ADAPTERS) | {"core", "app"} <= PACKAGES
    assert "tests" not in GRAPH and "migrations" not in GRAPH and ".venv" not in GRAPH
    assert "core" in GRAPH["handlers"] and "sqlalchemy" in GRAPH["lights"]
    assert "handlers/dispatch.py" in GRAPH["handlers"]["core"]


def test_no_import_cycle_between_top_level_packages():
    problems = cycles(GRAPH, PACKAGES)
    assert not problems, "\n".join(problems)


def test_domain_packages_import_only_core_and_libraries():
    problems = domain_violations(GRAPH, PACKAGES)
    assert not problems, "\n".join(problems)


def test_core_imports_no_other_package_of_the_repository():
    problems = core_violations(GRAPH, PACKAGES)
    assert not problems, "\n".join(problems)


def test_adapters_import_one_way():
    problems = direction_violations(GRAPH)
    assert not problems, "\n".join(problems)


def test_the_checks_catch_a_cycle_and_forbidden_imports():
    packages = {"core", "lights", "followers", "handlers", "web", "wechat", "extra"}
    graph = {
        "lights": {"followers": {"lights/x.py"}, "flask_wtf": {"lights/y.py"},
                   "sqlalchemy": {"lights/x.py"}, "core": {"lights/x.py"}},
        "followers": {"extra": {"followers/z.py"}},
        "extra": {"lights": {"extra/a.py"}},
        "core": {"wechat": {"core/services.py"}, "redis": {"core/b.py"}},
        "wechat": {"handlers": {"wechat/c.py"}},
        "handlers": {"core": {"handlers/d.py"}},
    }
    found = cycles(graph, packages)
    assert [problem.splitlines()[0] for problem in found] == [
        "import cycle core -> wechat -> handlers -> core (among core, handlers, wechat):",
        "import cycle extra -> lights -> followers -> extra (among extra, followers, lights):",
    ]
    assert found[1].splitlines()[1:] == ["  extra -> lights: extra/a.py",
                                         "  followers -> extra: followers/z.py",
                                         "  lights -> followers: lights/x.py"]
    assert domain_violations(graph, packages) == [
        "followers imports extra: followers/z.py",
        "lights imports flask_wtf: lights/y.py",
        "lights imports followers: lights/x.py",
    ]
    assert core_violations(graph, packages) == ["core imports wechat: core/services.py"]
    assert direction_violations(graph) == ["wechat imports handlers: wechat/c.py"]
    clean = {"lights": {"core": {"lights/x.py"}}, "core": {"redis": {"core/b.py"}}}
    assert not cycles(clean, packages) and not domain_violations(clean, packages)
    assert not core_violations(clean, packages)
