"""The dependency rule of docs/design.md, enforced by reading the source with `ast`.

Why a test and not a review habit: cycles and upward imports crept in one function-local import
at a time, and states were spelled as bare strings in about 150 places. Reading the import graph
(nothing of the project is imported) makes each slip fail the suite with the file and line to
fix. Every checker takes the source root, so the self-tests at the bottom prove on small
synthetic trees that each kind of offence is caught and a clean tree passes.
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from collections import deque
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("registry", "audits")

# The layer table: edit it when a module is added or moved. Entries are fnmatch patterns over
# dotted names (`*` also crosses dots); a package needs both its name and `name.*`. The first
# layer that matches wins, so the pure workflow/status modules land in layer 0 before their
# feature claims them. A module may import its own layer and those below, never one above.
# Layer 3, in order: a feature may import its own package and those before it, never one after.
FEATURES = ("registry.accounts", "registry.firms", "registry.certificates",
            "registry.applications", "registry.assessments", "registry.decisions",
            "registry.complaints")
WIRING = 5  # exempt as importers; importing them from any other layer is an upward edge
LAYERS: dict[int, tuple[str, ...]] = {
    0: ("audits", "audits.scheme", "audits.scoring", "audits.sampling",  # stdlib only
        "registry.*.workflow", "registry.certificates.status", "registry.wording"),
    1: ("registry.extensions", "registry.db", "registry.errors", "registry.security",
        "registry.auditlog", "registry.mail", "registry.forms", "registry.i18n", "registry.links",
        "registry.config", "registry.tokens", "registry.stamped_cache", "registry.navigation",
        "registry.layout",
        "registry.storage", "registry.storage.*", "registry.filetypes", "registry.inputs",
        "registry.tabular"),
    2: ("audits.schemes_store", "audits.schemes", "audits.models"),  # the scheme store
    3: tuple(p for f in FEATURES for p in (f, f + ".*")),
    4: ("registry.public", "registry.public.*", "registry.ministry", "registry.ministry.*",
        "registry.core", "registry.core.*", "registry.admin", "registry.admin.*",
        # Watching suppliers subscribes to certificate events (a signal connected at
        # start-up) and reuses the public exports' formula-safe writers.
        "registry.watching", "registry.watching.*",
        # Operations over every table and the whole store, above the features; only the
        # CLI (wiring) calls it.
        "registry.backup", "registry.backup.*",
        # Open data: the public register's catalogue and nightly dump.
        "registry.opendata", "registry.opendata.*"),
    WIRING: ("registry", "registry.app", "registry.cli", "registry.demo", "registry.models"),
}
LOCAL_IMPORTS_ALLOWED = ("registry/app.py", "registry/cli.py", "registry/demo.py")
STATE_MODULES = ("registry.*.workflow", "registry.certificates.status")
WATCHED_STATES = frozenset({
    "under_audit", "changes_requested", "assessed", "submitted", "suspended", "withdrawn",
    "superseded", "renounced", "certified", "refused", "expired", "overturned", "upheld",
    "major_nc", "minor_nc", "good_practice",
})
TRANSLATORS = frozenset({"_", "_l", "gettext", "lazy_gettext", "ngettext", "N_"})
TEMPLATE_TEST = re.compile(r"\.(state|status|outcome|kind|role)\s*(==|!=|in)\s*[(\['\"]")
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(order=True)
class Import:
    line: int
    target: str  # the module inside PACKAGES it resolves to, else the top-level external name
    internal: bool


@dataclass
class Module:
    name: str
    path: str  # relative to the root, with forward slashes
    imports: list[Import] = field(default_factory=list)  # TYPE_CHECKING imports left out
    local_imports: list[tuple[int, str]] = field(default_factory=list)
    strings: list[tuple[int, str]] = field(default_factory=list)  # no docstrings, no _("...")
    enum_values: set[str] = field(default_factory=set)  # of the StrEnum classes defined here


def _existing(root: Path, dotted: str) -> str | None:
    """The longest prefix of `dotted` that is a module or package file under root."""
    parts = dotted.split(".")
    while parts and not (root.joinpath(*parts).with_suffix(".py").is_file()
                         or root.joinpath(*parts, "__init__.py").is_file()):
        parts.pop()
    return ".".join(parts) or None


def _targets(root: Path, name: str, is_package: bool, node: ast.AST) -> list[str]:
    """Dotted names an import reaches: `from a import b` is a.b when that is a module file."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    base = node.module or ""
    if node.level:
        package = name.split(".")[: len(name.split(".")) - node.level + is_package]
        base = ".".join([*package, base] if base else package)
    if base.split(".")[0] not in PACKAGES:
        return [base]
    return [_existing(root, f"{base}.{a.name}") or base for a in node.names]


def _under(nodes: object) -> set[int]:
    return {id(sub) for node in nodes for sub in ast.walk(node)}


def _called(node: ast.Call) -> str:
    return node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")


def _parse(root: Path, path: Path) -> Module:
    rel = path.relative_to(root)
    is_package = rel.name == "__init__.py"
    module = Module(".".join((rel.parent if is_package else rel.with_suffix("")).parts),
                    rel.as_posix())
    nodes = list(ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
    local = _under(s for n in nodes if isinstance(n, DEFS) for s in n.body)
    typing_only = _under(s for n in nodes if isinstance(n, ast.If) for s in n.body
                         if ast.unparse(n.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"))
    translated = _under(a for n in nodes if isinstance(n, ast.Call) and _called(n) in TRANSLATORS
                        for a in (*n.args, *n.keywords))
    docstrings = {id(n.body[0].value) for n in nodes if isinstance(n, (ast.Module, ast.ClassDef,
                  *DEFS)) and n.body and isinstance(n.body[0], ast.Expr)}
    # An enum's own member definitions are where its literals belong (e.g. `Verdict`).
    members = _under(s for n in nodes if isinstance(n, ast.ClassDef) and any(
        ast.unparse(b).split(".")[-1] == "StrEnum" for b in n.bases) for s in n.body)
    not_code = docstrings | translated | members
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in typing_only:
            if id(node) in local:
                module.local_imports.append((node.lineno, ast.unparse(node)))
            for target in _targets(root, module.name, is_package, node):
                top = target.split(".")[0]
                resolved = (_existing(root, target) or target) if top in PACKAGES else top
                module.imports.append(Import(node.lineno, resolved, top in PACKAGES))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in not_code:
                module.strings.append((node.lineno, node.value))
        elif isinstance(node, ast.ClassDef) and any(
                ast.unparse(b).split(".")[-1] == "StrEnum" for b in node.bases):
            for stmt in (s for s in node.body if isinstance(s, ast.Assign)):
                if isinstance(stmt.value, ast.Constant):
                    module.enum_values.add(str(stmt.value.value))
                elif isinstance(stmt.value, ast.Call) and _called(stmt.value) == "auto":
                    module.enum_values.update(ast.unparse(t).lower() for t in stmt.targets)
    for found in (module.imports, module.local_imports, module.strings):
        found.sort()
    return module


@lru_cache
def load_modules(root: Path) -> tuple[Module, ...]:
    """Every module of PACKAGES under root, parsed once per root."""
    return tuple(_parse(root, p) for p in sorted(
        p for pkg in PACKAGES for p in (root / pkg).rglob("*.py")))


def classify(name: str) -> tuple[int, int] | None:
    """(layer, rank among the features) of a module, or None when the table misses it."""
    for layer, patterns in LAYERS.items():
        if any(fnmatchcase(name, p) for p in patterns):
            ranks = [i for i, f in enumerate(FEATURES) if name == f or name.startswith(f + ".")]
            return layer, ranks[0] if layer == 3 else 0
    return None


def _cycles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """A shortest cycle through each edge that lies on one (breadth first), each listed once."""
    found = set()
    for start, first in ((a, b) for a in graph for b in graph[a]):
        prev, queue = {first: first}, deque([first])
        while queue and start not in prev:
            node = queue.popleft()
            for nxt in sorted(graph.get(node, set()) - prev.keys()):
                prev[nxt] = node
                queue.append(nxt)
        if start in prev:
            back = [start]  # start, its predecessor, ..., first
            while back[-1] != first:
                back.append(prev[back[-1]])
            cycle = [start, *reversed(back[1:])]
            low = cycle.index(min(cycle))
            found.add(tuple(cycle[low:] + cycle[:low]))
    return sorted(found)


def _chain(cycle: tuple[str, ...]) -> str:
    return " -> ".join([*cycle, cycle[0]])


def _feature_package(root: Path, name: str) -> str | None:
    """registry.<package> holding the module; None for the pure layer 0 modules all may read."""
    parts, place = name.split("."), classify(name)
    if parts[0] == "registry" and len(parts) > 1 and (root / "registry" / parts[1]).is_dir():
        return ".".join(parts[:2]) if place is None or place[0] != 0 else None
    return None


def find_cycles(root: Path) -> list[str]:
    """Module-level cycles; function-local imports count, since hiding cycles is their use."""
    graph = {m.name: {i.target for i in m.imports if i.internal} - {m.name}
             for m in load_modules(root)}
    return [_chain(c) for c in _cycles(graph)]


def find_package_cycles(root: Path) -> list[str]:
    """Cycles between the packages under registry/, with one import per hop as a witness."""
    graph: dict[str, set[str]] = {}
    witness: dict[tuple[str, str], str] = {}
    for m in load_modules(root):
        for imp in (i for i in m.imports if i.internal):
            a, b = _feature_package(root, m.name), _feature_package(root, imp.target)
            if a and b and a != b:
                graph.setdefault(a, set()).add(b)
                witness.setdefault((a, b), f"{m.path}:{imp.line} imports {imp.target}")
    return [f"{_chain(c)}  [" + "; ".join(witness[hop] for hop in zip(c, (*c[1:], c[0]),
            strict=True)) + "]" for c in _cycles(graph)]


def find_layer_violations(root: Path) -> list[str]:
    """Upward edges, layer 0 reaching outside the standard library, and unclassified modules."""
    def label(place: tuple[int, int]) -> str:
        return f"layer 3 {FEATURES[place[1]]}" if place[0] == 3 else f"layer {place[0]}"

    offences = []
    for m in load_modules(root):
        here = classify(m.name)
        if here is None:
            offences.append(f"{m.path}: unclassified module {m.name}: add it to the layer table")
        for imp in m.imports if here and here[0] != WIRING else ():
            there = classify(imp.target) if imp.internal else None
            if not imp.internal and here[0] == 0 and imp.target not in sys.stdlib_module_names:
                offences.append(f"{m.path}:{imp.line}: {m.name} (layer 0) imports {imp.target},"
                                " which is not in the standard library")
            elif there and there > here:
                offences.append(f"{m.path}:{imp.line}: {m.name} ({label(here)}) imports"
                                f" {imp.target} ({label(there)})")
    return offences


def find_view_imports(root: Path) -> list[str]:
    """Imports of a views module from anywhere but the factory that registers blueprints."""
    return [f"{m.path}:{imp.line}: {m.name} imports {imp.target}"
            for m in load_modules(root) if m.name != "registry.app" for imp in m.imports
            if imp.internal and re.search(r"(\.|_)views$", imp.target)]


def find_local_imports(root: Path) -> list[str]:
    """Imports inside functions: each one hides a cycle or an upward edge from the reader."""
    return [f"{m.path}:{line}: {text}" for m in load_modules(root)
            if m.path not in LOCAL_IMPORTS_ALLOWED for line, text in m.local_imports]


def find_banned_names(root: Path) -> list[str]:
    """Modules named for a mechanism, not an owner, become the place rules go to hide."""
    return [f"{m.path}: *_hooks.py and utils.py say nothing of what they own" for m in
            load_modules(root) if m.path.endswith("_hooks.py") or m.path.endswith("/utils.py")]


def find_bare_states(root: Path) -> list[str]:
    """Watched state words spelled as string literals outside the modules that own them."""
    modules = load_modules(root)
    owners = [m for m in modules if any(fnmatchcase(m.name, p) for p in STATE_MODULES)]
    states = WATCHED_STATES & set().union(*(m.enum_values for m in owners))
    return [f"{m.path}:{line}: bare state {value!r}" for m in modules
            if m not in owners and m.path != "registry/demo.py"
            and "migrations" not in m.path.split("/")
            for line, value in m.strings if value in states]


def find_template_state_tests(root: Path) -> list[str]:
    """Jinja tests of a state against a literal: a second copy of a rule the service owns."""
    return [f"{path.relative_to(root).as_posix()}:{no}: {line.strip()}"
            for path in sorted((root / "templates").rglob("*.html"))
            for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if TEMPLATE_TEST.search(line)]


def _report(offences: list[str], rule: str) -> None:
    if offences:
        pytest.fail(f"{len(offences)} offence(s): {rule}\n" + "\n".join(offences), pytrace=False)


def test_no_module_cycles():
    _report(find_cycles(ROOT), "import cycles between modules")


def test_no_package_cycles():
    _report(find_package_cycles(ROOT), "import cycles between the packages of registry/")


def test_layers_import_only_downwards():
    _report(find_layer_violations(ROOT), "imports against the layer table at the top of this file")


def test_no_module_imports_a_views_module():
    _report(find_view_imports(ROOT), "only registry/app.py may import a views module")


def test_no_function_local_imports():
    _report(find_local_imports(ROOT), "imports belong at the top: a local import hides a cycle")


def test_no_hooks_or_utils_modules():
    _report(find_banned_names(ROOT), "name a module after what it owns")


def test_no_bare_state_literals():
    _report(find_bare_states(ROOT), "use the enum member from the workflow/status module")


def test_templates_do_not_branch_on_states():
    _report(find_template_state_tests(ROOT), "templates branch on flags from services")


# Self-tests: a clean synthetic tree passes every checker; each offence added is caught.
CLEAN = {
    "registry/__init__.py": "from registry.app import create_app\n",
    "registry/app.py": "def create_app():\n    from registry.accounts import views\n",
    "registry/db.py": """\
        from typing import TYPE_CHECKING
        import sqlalchemy
        if TYPE_CHECKING:
            from registry.accounts import services
        """,
    "registry/accounts/__init__.py": "",
    "registry/accounts/views.py": "from . import services\n",
    "registry/accounts/services.py": "from registry import db\nfrom ..applications import workflow",
    "registry/applications/__init__.py": "",
    "registry/applications/workflow.py": """\
        import enum
        class State(enum.StrEnum):
            SUBMITTED = "submitted"
            UNDER_AUDIT = enum.auto()
        """,
    "registry/applications/services.py": '''\
        """Mentions "submitted" in a docstring only."""
        from gettext import gettext as _
        from registry.accounts.services import db
        LABEL = _("under_audit")
        ''',
    "audits/__init__.py": "",
    "audits/scheme.py": "import json\n",
    "templates/page.html": "{% if can_withdraw %}{{ app.state }}{% endif %}\n",
}
CHECKS = (find_cycles, find_package_cycles, find_layer_violations, find_view_imports,
          find_local_imports, find_banned_names, find_bare_states, find_template_state_tests)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_checkers_pass_a_clean_tree(tmp_path):
    root = _tree(tmp_path, CLEAN)
    assert {check.__name__: check(root) for check in CHECKS} == {c.__name__: [] for c in CHECKS}


@pytest.mark.parametrize(("check", "files", "expected"), [
    (find_cycles, {"registry/db.py": "import registry.errors\n",
                   "registry/errors.py": "def f():\n    from . import db\n"},
     ["registry.db -> registry.errors -> registry.db"]),
    (find_package_cycles, {"registry/accounts/extra.py": "from registry.applications import x\n",
                           "registry/applications/x.py": ""},
     ["registry.accounts -> registry.applications -> registry.accounts  ["
      "registry/accounts/extra.py:1 imports registry.applications.x; "
      "registry/applications/services.py:3 imports registry.accounts.services]"]),
    (find_layer_violations, {"registry/accounts/extra.py": "from registry.applications import x",
                             "audits/scheme.py": "import flask\n", "registry/widgets.py": ""},
     ["audits/scheme.py:1: audits.scheme (layer 0) imports flask, which is not in the standard"
      " library",
      "registry/accounts/extra.py:1: registry.accounts.extra (layer 3 registry.accounts) imports"
      " registry.applications (layer 3 registry.applications)",
      "registry/widgets.py: unclassified module registry.widgets: add it to the layer table"]),
    (find_view_imports, {"registry/db.py": "from registry.accounts.views import bp\n"},
     ["registry/db.py:1: registry.db imports registry.accounts.views"]),
    (find_local_imports, {"registry/db.py": "class A:\n    def f(self):\n        import json\n"},
     ["registry/db.py:3: import json"]),
    (find_banned_names, {"registry/accounts/access_hooks.py": "", "audits/utils.py": ""},
     ["audits/utils.py: *_hooks.py and utils.py say nothing of what they own",
      "registry/accounts/access_hooks.py: *_hooks.py and utils.py say nothing of what they own"]),
    (find_bare_states, {"registry/certificates/status.py": "from enum import StrEnum\n"
                        "class CertificateStatus(StrEnum):\n    SUSPENDED = 'suspended'\n",
                        "registry/db.py": "X = 1\nY = X == 'under_audit' or X in ('suspended',)"},
     ["registry/db.py:2: bare state 'suspended'", "registry/db.py:2: bare state 'under_audit'"]),
    (find_template_state_tests, {"templates/a/b.html": "x\n{% if a.status in ('x',) %}\n"},
     ["templates/a/b.html:2: {% if a.status in ('x',) %}"]),
])
def test_checker_catches(tmp_path, check, files, expected):
    assert check(_tree(tmp_path, {**CLEAN, **files})) == expected
