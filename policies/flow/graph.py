"""The flow as a graph over node ids: reachability, shortest paths, cycles (no path enumeration)."""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable

from policies.flow.document import Flow

__all__ = ["Graph"]


class Graph:
    """The flow as a graph over node ids; edges to ids that name no node are left out."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.order = {node.id: position for position, node in enumerate(flow.nodes())}
        self.edges: dict[str, tuple[str, ...]] = dict.fromkeys(self.order, ())
        self.loose: set[str] = set()
        """Questions with a missing or dangling target: already reported, so given the benefit of
        the doubt when asking whether an outcome can be reached."""
        for question in flow.questions.values():
            targets = question.targets
            self.edges[question.id] = tuple(t for t in targets if t in self.order)
            if not targets or len(self.edges[question.id]) < len(targets):
                self.loose.add(question.id)
        self.start = flow.start if flow.start in flow.questions else None
        self.reachable = self.reach([self.start]) if self.start else set(self.order)

    def reach(self, sources: Iterable[str]) -> set[str]:
        """The ids reachable from the sources (which are included)."""
        seen = set(sources)
        queue = deque(seen)
        while queue:
            for target in self.edges[queue.popleft()]:
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
        return seen

    def shortest_path(self, source: str, goal: str, blocked: Collection[str] = ()) -> list[str]:
        """The shortest path from source to goal through no blocked node, or [] if there is none."""
        parents: dict[str, str] = {}
        queue = deque([source])
        seen = {source}
        while queue:
            node = queue.popleft()
            for target in self.edges[node]:
                if target == goal:
                    path = [node]
                    while path[-1] != source:
                        path.append(parents[path[-1]])
                    return [*reversed(path), goal]
                if target not in seen and target not in blocked:
                    seen.add(target)
                    parents[target] = node
                    queue.append(target)
        return []

    def components(self) -> list[list[str]]:
        """Strongly connected components (Tarjan, without recursion), each in document order."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        found: list[list[str]] = []

        def visit(node: str) -> None:
            index[node] = low[node] = len(index)
            stack.append(node)
            on_stack.add(node)

        for root in self.order:
            if root in index:
                continue
            visit(root)
            work = [(root, iter(self.edges[root]))]
            while work:
                node, targets = work[-1]
                for target in targets:
                    if target not in index:
                        visit(target)
                        work.append((target, iter(self.edges[target])))
                        break
                    if target in on_stack:
                        low[node] = min(low[node], index[target])
                else:
                    work.pop()
                    if work:
                        parent = work[-1][0]
                        low[parent] = min(low[parent], low[node])
                    if low[node] == index[node]:
                        component: list[str] = []
                        while not component or component[-1] != node:
                            component.append(stack.pop())
                            on_stack.discard(component[-1])
                        found.append(sorted(component, key=self.order.__getitem__))
        return sorted(found, key=lambda component: self.order[component[0]])

    def depth_first_order(self, start: str) -> list[str]:
        """The ids reachable from start in reverse postorder: a topological order when acyclic."""
        postorder: list[str] = []
        seen = {start}
        work = [(start, iter(self.edges[start]))]
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in seen:
                    seen.add(target)
                    work.append((target, iter(self.edges[target])))
                    break
            else:
                work.pop()
                postorder.append(node)
        return postorder[::-1]
