"""Our own import-linter contract types (`lint-imports` runs from the repository root, so this module imports).

`no_cycles`: no import cycle at all among the modules of the given packages, whatever the depth: between
packages, between siblings, and between a package's `__init__` and its own submodules (which import-linter's
`acyclic_siblings` does not look at). Every import counts, function-local ones too; only imports under
`if TYPE_CHECKING:` are left out (`exclude_type_checking_imports = true` in the session options).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import grimp
from importlinter.application import contract_utils, output
from importlinter.application.contract_utils import AlertLevel
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck

MAX_CYCLES_PER_GROUP = 12

Edge = tuple[str, str]


class NoCyclesContract(Contract):
    """Fails on every strongly connected group of modules, showing the shortest cycle through each member."""

    type_name = "no_cycles"

    packages = fields.ListField(subfield=fields.ModuleField())
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(AlertLevel, default=AlertLevel.ERROR)
    broken_contract_guidance = fields.TextField(required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        modules = _modules_of(graph, [package.name for package in self.packages])  # type: ignore[attr-defined]
        edges = {module: graph.find_modules_directly_imported_by(module) & modules for module in modules}
        groups = strongly_connected_groups(edges)
        cycles = [
            [_link(graph, importer, imported) for importer, imported in cycle]
            for group in groups
            for cycle in cycles_through(group, edges)
        ]
        output.verbose_print(verbose, f"{len(modules)} modules, {len(groups)} groups of modules in a cycle.")
        return ContractCheck(
            kept=not groups,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"groups": groups, "cycles": cycles},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        groups: list[list[str]] = check.metadata["groups"]
        output.print_error(f"{len(groups)} group(s) of modules import each other in a cycle:", bold=True)
        output.new_line()
        for group in groups:
            output.print_error(f"{', '.join(group)}:")
            for cycle in check.metadata["cycles"]:
                if cycle[0]["importer"] in group:
                    output.indent_cursor()
                    output.print_error(render_cycle(cycle), bold=False)
            output.new_line()
        contract_utils.render_broken_contract_guidance(self.broken_contract_guidance)  # type: ignore[arg-type]


def _modules_of(graph: grimp.ImportGraph, packages: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for package in packages:
        found |= {package, *graph.find_descendants(package)}
    return found & graph.modules


def _link(graph: grimp.ImportGraph, importer: str, imported: str) -> dict:
    details = graph.get_import_details(importer=importer, imported=imported)
    return {"importer": importer, "imported": imported, "line_numbers": sorted({d["line_number"] for d in details})}


def render_cycle(cycle: list[dict]) -> str:
    """`a (l.3) -> b (l.7, 12) -> a`: each arrow names the lines of the importing module."""
    parts = []
    for link in cycle:
        lines = ", ".join(str(n) for n in link["line_numbers"])
        parts.append(f"{link['importer']} (l.{lines})" if lines else link["importer"])
    return " -> ".join([*parts, cycle[0]["importer"]])


def strongly_connected_groups(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm without recursion: every group of two or more modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(edges[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return sorted(groups)


def cycles_through(group: list[str], edges: dict[str, set[str]]) -> list[list[Edge]]:
    """The shortest cycle through each member of the group, each cycle once, at most MAX_CYCLES_PER_GROUP."""
    members = set(group)
    seen: set[frozenset[Edge]] = set()
    cycles: list[list[Edge]] = []
    for start in group:
        path = _shortest_path_back(start, members, edges)
        cycle = list(zip(path, [*path[1:], start], strict=True))
        if frozenset(cycle) not in seen:
            seen.add(frozenset(cycle))
            cycles.append(cycle)
        if len(cycles) == MAX_CYCLES_PER_GROUP:
            break
    return cycles


def _shortest_path_back(start: str, members: set[str], edges: dict[str, set[str]]) -> list[str]:
    """Breadth-first from `start` to itself inside the group: the modules of the cycle, `start` first."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for successor in sorted(edges[node] & members):
            if successor == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return path[::-1]
            if successor not in came_from:
                came_from[successor] = node
                queue.append(successor)
    raise ValueError(f"{start} is in no cycle")
