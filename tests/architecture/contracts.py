"""An import-linter contract that no module imports itself through others.

import-linter's own `acyclic_siblings` judges whole packages: two domains whose modules
import each other in two unrelated directions (a service using another domain's table,
a GraphQL type showing another domain's objects) count as a cycle although no module can
reach itself. This contract judges modules, which is what breaks at import time and what
makes a module impossible to understand alone. Imports made only for type checking are
left out by the configuration (`exclude_type_checking_imports`)."""

from __future__ import annotations

from typing import Any

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def module_cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """One shortest cycle per group of modules of `package` that reach each other."""
    inside = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    targets = {
        m: sorted(
            i for i in graph.find_modules_directly_imported_by(m) if i.startswith(package + ".")
        )
        for m in inside
    }
    cycles = []
    for group in _strongly_connected(inside, targets):
        if len(group) > 1 or group[0] in targets[group[0]]:
            cycles.append(_shortest_cycle(group, targets))
    return sorted(cycles)


def _strongly_connected(nodes: list[str], targets: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the graph is too deep for recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            children = targets.get(node, [])
            if position < len(children):
                work.append((node, position + 1))
                child = children[position]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return groups


def _shortest_cycle(group: list[str], targets: dict[str, list[str]]) -> list[str]:
    members = set(group)
    start = group[0]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in targets[node]:
                if child not in members:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return list(reversed(path))
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return [start]


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        packages: list[Any] = list(self.packages)  # type: ignore[call-overload]
        cycles = [cycle for package in packages for cycle in module_cycles(graph, str(package))]
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(" -> ".join([*cycle, cycle[0]]), bold=False)
            output.new_line()
