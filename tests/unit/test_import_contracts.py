"""The `no_cycles` import contract: it finds every cycle, also between a package and its own modules, and names
the chain with its line numbers."""

from __future__ import annotations

import grimp

from scripts.importlinter_contracts import NoCyclesContract, render_cycle, strongly_connected_groups


def graph_of(*imports: tuple[str, str, int]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    graph.add_module("shop")
    for importer, imported, line in imports:
        for module in (importer, imported):
            graph.add_module(module)
        graph.add_import(importer=importer, imported=imported, line_number=line, line_contents=f"import {imported}")
    return graph


def check(graph: grimp.ImportGraph):
    contract = NoCyclesContract(name="no cycles", session_options={}, contract_options={"packages": ["shop"]})
    return contract.check(graph, verbose=False)


def test_a_package_and_its_own_module_in_a_cycle_break_the_contract():
    graph = graph_of(("shop.channels", "shop.channels.voso", 60), ("shop.channels.voso", "shop.channels", 5))

    result = check(graph)

    assert not result.kept
    assert result.metadata["groups"] == [["shop.channels", "shop.channels.voso"]]
    [cycle] = result.metadata["cycles"]
    assert render_cycle(cycle) == "shop.channels (l.60) -> shop.channels.voso (l.5) -> shop.channels"


def test_a_long_cycle_between_siblings_is_found_and_a_layered_graph_is_kept():
    looping = graph_of(
        ("shop.a", "shop.b", 1), ("shop.b", "shop.c", 2), ("shop.c", "shop.a", 3), ("shop.d", "shop.a", 4)
    )
    layered = graph_of(("shop.a", "shop.b", 1), ("shop.b", "shop.c", 2), ("shop.a", "shop.c", 3), ("shop", "shop.a", 4))

    assert check(looping).metadata["groups"] == [["shop.a", "shop.b", "shop.c"]]
    assert check(layered).kept


def test_every_group_of_a_graph_is_found():
    edges = {"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": {"c"}, "e": {"a"}}

    assert strongly_connected_groups(edges) == [["a", "b"], ["c", "d"]]
