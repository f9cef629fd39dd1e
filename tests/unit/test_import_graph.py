"""No import circles: the modules of assessment_app import each other one way, never round.

The rule: build the graph of imports between assessment_app modules from every .py file under
assessment_app/ (parsed with ast, never imported), counting imports at module level and inside
functions alike (an import inside a function to dodge a circle is still a circle), and no
strongly connected component may hold more than one module.

How an import becomes edges:
- relative imports are resolved against the importing module's package;
- `import a.b` and `from a.b import name` import a.b, and a.b.name as well where that is a
  submodule; `from . import x` (or `from .. import x`), where x is a submodule, imports x;
- importing a module imports the packages above it too (Python runs their __init__ first), but
  a module's own packages are never counted as imported by it: they run before it whoever
  imports it, so they are no dependency of its own. It depends on its own package only by
  taking from it a name that is not a submodule (say `from . import bp`, a blueprint made in
  the package's __init__, which imports the module back).
Nothing is treated specially: package __init__ modules that re-export their submodules
(models/__init__.py) are nodes like any other.
"""

import ast
from pathlib import Path

import assessment_app

PACKAGE_DIR = Path(assessment_app.__file__).parent
ROOT = PACKAGE_DIR.parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The assessment_app modules that the module `name` (at `path`) imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    parts = name.split(".")
    own = {".".join(parts[:i]) for i in range(1, len(parts))} | {package}
    out: set[str] = set()

    def imported(module: str) -> None:
        """The module and the packages above it, less this module's own packages."""
        pieces = module.split(".")
        out.update(m for m in (".".join(pieces[:i]) for i in range(1, len(pieces) + 1))
                   if m not in own)

    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imported(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            imported(source)
            names = {alias.name for alias in node.names}
            submodules = {f"{source}.{n}" for n in names if f"{source}.{n}" in known}
            for submodule in submodules:
                imported(submodule)
            if len(submodules) < len(names):
                out.add(source)  # a name defined there: a dependency, even on an own package
    return {m for m in out if m in known and m != name}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative so that no recursion limit applies."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for succ in edges:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


def a_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One circle through the component's first module, for the failure message."""
    members, start = set(component), component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for succ in sorted(graph[node] & members):
            if succ == start:
                return paths[node] + [start]
            if succ not in paths:
                paths[succ] = paths[node] + [succ]
                queue.append(succ)
    return component


def test_the_graph_counts_imports_inside_functions_and_relative_ones():
    """The edges the rule is checked on (a check on the test itself): an import inside a
    function counts, relative imports are resolved, and `from . import x` imports x, not the
    package it is in."""
    graph = import_graph()
    assert "assessment_app.models" in graph["assessment_app"]  # inside create_app's helpers
    assert "assessment_app.allocation" in graph["assessment_app.services.allocations"]
    assert "assessment_app.services.audit" in graph["assessment_app.services.windows"]
    assert "assessment_app.services" not in graph["assessment_app.services.windows"]


def test_no_module_imports_itself_round_a_circle():
    """Every strongly connected component of the import graph is a single module."""
    graph = import_graph()
    circles = [c for c in strongly_connected(graph) if len(c) > 1]
    assert not circles, "Import circles:\n" + "\n".join(
        " -> ".join(a_cycle(graph, c)) + f"  (the circle holds {', '.join(c)})" for c in circles)
