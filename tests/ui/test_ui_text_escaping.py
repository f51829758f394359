"""No user text reaches Streamlit's Markdown unescaped: a scan of every call that renders Markdown.

Streamlit reads Markdown (images, links, raw HTML, ``:red[…]`` directives) in ``st.markdown``,
``st.caption``, alerts, toasts, titles, ``st.write(str)``, expander/status/popover/tab labels, every
widget label and every ``help=`` tooltip (shared/reference/known-traps.md, "Text shown in the UI").
The one way user text may enter such a string is :func:`ui.text.plain` / :func:`ui.text.shown`.

This test parses ``pages/``, ``ui/`` and ``streamlit_app.py`` with :mod:`ast` and flags every
argument of those calls that could carry text nobody escaped: an f-string with a formatted value
that is not escaped, not a number/date format and not a known constant; a variable, attribute or
call that is not a string constant and not ``plain()``/``shown()``. A name assigned in the same
function (or at module level) is followed to what it was assigned; a function of the same module is
followed to what it returns. Whatever cannot be proven safe is flagged: the fix is ``plain(...)``,
not a longer allow-list.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Calls whose every positional argument (and ``body=``) is rendered as Markdown.
BODY_CALLS = {"markdown", "caption", "info", "warning", "error", "success", "toast", "write", "title",
              "header", "subheader"}
# Calls whose first positional argument (and ``label=``) is a Markdown label.
LABEL_CALLS = {"expander", "status", "popover", "button", "checkbox", "toggle", "radio", "selectbox",
               "multiselect", "text_input", "text_area", "number_input", "slider", "select_slider",
               "metric", "download_button", "form_submit_button", "date_input", "time_input",
               "file_uploader", "color_picker", "page_link", "link_button", "segmented_control", "pills",
               "camera_input", "audio_input", "chat_input"}
# Keywords that are Markdown on the calls above, ``status.update(label=…)`` and column tooltips.
MARKDOWN_KEYWORDS = {"label", "help", "captions"}

# Functions whose result is escaped or cannot contain user text.
SAFE_FUNCTIONS = {
    "plain", "shown",  # ui.text: the escaping itself
    "len", "int", "float", "round", "abs",  # numbers
    "size_label",  # ui.import_view: a byte count as "1.2 MB"
    "metric_label",  # journeys.metrics: the catalogue's fixed metric names
    "metric_words",  # journeys.metrics: a catalogue metric name inside a sentence
    "day",  # journeys.experiments.report / journeys.freshness: a date as "3 Mar 2026"
    "problem_markdown",  # ui.session: a problem and its details, each escaped with plain()
}
# Single places the scan cannot follow, each checked by hand: (file, argument as written) → why it is safe.
ALLOWED = {
    ("ui/experiments_view.py", "text"): "plan_words(): numbers, catalogue metric words and fixed text only",
    ("ui/frame.py", "'\\n'.join(lines)"): "Overview's loop lists: every line is built in home() with plain() "
    "around titles, names and details; links are quote()d page paths (journeys.glance), states are fixed words",
}
# Methods that keep a safe string safe (they only change case or trim).
SAFE_METHODS = {"upper", "lower", "capitalize", "strip", "rstrip", "lstrip", "removeprefix", "removesuffix",
                "items", "values", "keys"}  # a constant table's views are constant too
# Attributes that only ever hold numbers or text the product generates. Plain names are followed to
# their assignments instead; an UPPER_CASE name (or an attribute or item of one) is a constant table.
SAFE_ATTRIBUTES = {
    "version",  # record versions are integers
    "key",  # pain point and experiment keys are generated ("PP-3", "EX-1"), never typed
}


@dataclass(frozen=True)
class Bypass:
    """One place where text may reach Markdown without escaping."""

    path: str
    line: int
    call: str
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.call}(…) gets {self.code}"


class _Scope:
    """Assignments of one function (or the module) so names can be followed to their values."""

    def __init__(self, node: ast.AST, parent: _Scope | None) -> None:
        self.parent = parent
        self.values: dict[str, list[ast.expr | None]] = {}
        self.files: set[str] = set()  # ``with path.open("wb") as handle``: ``handle.write`` is no Markdown
        self.functions: dict[str, ast.FunctionDef] = parent.functions if parent else {}
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            self._bind_parameters(node.args)
        body = [node.body] if isinstance(node, ast.Lambda) else getattr(node, "body", [])
        for child in _walk_own(body):
            self._record(child)

    def _bind_parameters(self, args: ast.arguments) -> None:
        """A parameter can be given anything: each is bound to an unknown value."""
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            self.values.setdefault(arg.arg, []).append(None)
        for star in (args.vararg, args.kwarg):
            if star:
                self.values.setdefault(star.arg, []).append(None)

    def _record(self, child: ast.AST) -> None:
        """What one node of this scope binds: assignments, loop targets, ``with … as`` names, items added to a
        list, exception names and (at module level) functions."""
        if isinstance(child, ast.Assign):
            for target in child.targets:
                self._bind(target, child.value)
        elif isinstance(child, ast.AnnAssign | ast.AugAssign | ast.NamedExpr) and child.value is not None:
            self._bind(child.target, child.value)
        elif isinstance(child, ast.For | ast.comprehension):
            self._bind(child.target, child.iter, unpacked=True)
        elif isinstance(child, ast.With):
            self._bind_with(child)
        elif (added := _added_to(child)) is not None:
            # ``lines.append(f"**{name}** …")`` puts text into ``lines`` as surely as an assignment does
            name, method, item = added
            self._bind(name, item if method == "extend" else ast.List([item]))
        elif isinstance(child, ast.ExceptHandler) and child.name:
            self.values.setdefault(child.name, []).append(None)
        elif isinstance(child, ast.FunctionDef) and self.parent is None:
            self.functions[child.name] = child

    def _bind_with(self, node: ast.With) -> None:
        """``with … as name``: an unknown value, and a file whose ``write`` is no Markdown when it opens one."""
        for item in node.items:
            if item.optional_vars is not None:
                self._bind(item.optional_vars, None)
                if _opens_a_file(item.context_expr) and isinstance(item.optional_vars, ast.Name):
                    self.files.add(item.optional_vars.id)

    def _bind(self, target: ast.expr, value: ast.expr | None, *, unpacked: bool = False) -> None:
        """``unpacked``: the target takes items of ``value`` (a loop), safe when all of ``value`` is."""
        if isinstance(target, ast.Name):
            self.values.setdefault(target.id, []).append(value)
        elif unpacked and isinstance(target, ast.Tuple) and isinstance(value, ast.Call) \
                and isinstance(value.func, ast.Name) and value.func.id in {"zip", "enumerate"}:
            # ``for cell, label in zip(columns, LABELS)``: each part takes the items of its own iterable
            parts = [ast.Constant(0), *value.args] if value.func.id == "enumerate" else value.args
            for element, part in zip(target.elts, parts, strict=False):
                self._bind(element, part, unpacked=True)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:  # unpacking an assignment: each part unknown; of a loop: its items
                self._bind(element, value if unpacked else None, unpacked=unpacked)

    def is_file(self, name: str) -> bool:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.values:
                return name in scope.files
            scope = scope.parent
        return False

    def lookup(self, name: str) -> list[ast.expr | None] | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.values:
                return scope.values[name]
            scope = scope.parent
        return None


def _added_to(node: ast.AST) -> tuple[ast.Name, str, ast.expr] | None:
    """``lines.append(item)`` (or ``extend``, ``insert``, ``add``): the name added to, the method, the item."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
            and node.args and node.func.attr in {"append", "extend", "insert", "add"}):
        return node.func.value, node.func.attr, node.args[-1]
    return None


def _opens_a_file(node: ast.expr) -> bool:
    """``open(…)`` or ``path.open(…)``."""
    return isinstance(node, ast.Call) and ((isinstance(node.func, ast.Name) and node.func.id == "open")
                                           or (isinstance(node.func, ast.Attribute) and node.func.attr == "open"))


def _walk_own(body: list[ast.stmt] | list[ast.expr]) -> Iterator[ast.AST]:
    """Every node of ``body`` that belongs to this scope (not to nested functions or lambdas)."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _numeric_spec(spec: ast.expr | None) -> bool:
    """A format spec that a ``str`` value would refuse: grouping, a number type or a date format."""
    if not isinstance(spec, ast.JoinedStr) or not all(isinstance(v, ast.Constant) for v in spec.values):
        return False
    text = "".join(str(v.value) for v in spec.values if isinstance(v, ast.Constant))
    return "%" in text or "," in text or "_" in text or (text[-1:] in set("dfFeEgGn%xXob") if text else False)


def _constant_root(node: ast.expr) -> bool:
    """``METRICS[m].label`` or ``view.TABS``: something read out of an UPPER_CASE constant table."""
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        if isinstance(node, ast.Attribute) and node.attr.isupper():
            return True
        node = node.func if isinstance(node, ast.Call) else node.value
    return isinstance(node, ast.Name) and node.id.isupper()


def _parts(node: ast.expr) -> list[ast.expr] | None:
    """What an operator's or a container's text is made of: it is safe when all of them are. None for any
    other expression (and for a chained comparison), which the checker never proves safe this way."""
    match node:
        case ast.JoinedStr(values=values):
            return list(values)
        case ast.BinOp(left=left, right=right) | ast.Compare(left=left, comparators=[right]):
            return [left, right]
        case ast.UnaryOp(operand=operand):
            return [operand]
        case ast.IfExp(body=body, orelse=orelse):
            return [body, orelse]
        case ast.BoolOp(values=values):
            return list(values)
        case ast.List(elts=elts) | ast.Tuple(elts=elts) | ast.Set(elts=elts):
            return list(elts)
        case ast.Dict(values=values):
            return list(values)
        case ast.Subscript(value=value):
            return [value]  # an item of a constant table is a constant
        case ast.Starred(value=value):
            return [value]
    return None


class Checker:
    """Decides whether an expression can only produce escaped or generated text."""

    def __init__(self, tree: ast.Module) -> None:
        self.module = _Scope(tree, None)
        self._following: set[int] = set()

    def safe(self, node: ast.expr | None, scope: _Scope) -> bool:
        if node is None:
            return False
        if id(node) in self._following:  # a cycle (x = x + …): the other assignments decide
            return True
        self._following.add(id(node))
        try:
            return self._safe(node, scope)
        finally:
            self._following.discard(id(node))

    def _safe(self, node: ast.expr, scope: _Scope) -> bool:
        match node:
            case ast.Constant():
                return True
            case ast.FormattedValue(value=value, format_spec=spec):
                return _numeric_spec(spec) or self.safe(value, scope)
            case ast.ListComp(elt=elt) | ast.GeneratorExp(elt=elt) | ast.SetComp(elt=elt):
                return self.safe(elt, _Scope(ast.Lambda(args=ast.arguments([], [], None, [], [], None, []),
                                                        body=node), scope))
            case ast.Name(id=name):
                return name.isupper() or self._name_safe(name, scope)
            case ast.Attribute(value=value, attr=attr):  # a field of a constant (``col.meaning``) is constant
                return attr in SAFE_ATTRIBUTES or attr.isupper() or _constant_root(value) or self.safe(value, scope)
            case ast.Call():
                return self._call_safe(node, scope)
        parts = _parts(node)
        return parts is not None and all(self.safe(p, scope) for p in parts)

    def _name_safe(self, name: str, scope: _Scope) -> bool:
        values = scope.lookup(name)
        if values is None:
            return False
        owner = scope
        while owner.parent is not None and name not in owner.values:
            owner = owner.parent
        return all(self.safe(v, owner) for v in values)

    def _call_safe(self, node: ast.Call, scope: _Scope) -> bool:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in SAFE_FUNCTIONS:
                return True
            if func.id in {"min", "max", "sum", "str"}:  # one of (or made of) its arguments: safe when they are
                return all(self.safe(a, scope) for a in node.args)
            local = self.module.functions.get(func.id)
            if local is not None and id(local) not in self._following:
                self._following.add(id(local))
                try:
                    inner = _Scope(local, self.module)
                    returns = [n.value for n in _walk_own(local.body) if isinstance(n, ast.Return)]
                    return bool(returns) and all(self.safe(r, inner) for r in returns)
                finally:
                    self._following.discard(id(local))
            return False
        if isinstance(func, ast.Attribute):
            if func.attr in SAFE_FUNCTIONS:
                return True
            if func.attr == "join":
                return self.safe(func.value, scope) and all(self.safe(a, scope) for a in node.args)
            if func.attr in SAFE_METHODS:
                return self.safe(func.value, scope)
        return False


def _call_name(func: ast.expr) -> set[str]:
    """The method names a call may resolve to (``(st.caption if ok else st.error)(…)`` → both)."""
    if isinstance(func, ast.Attribute):
        return {func.attr}
    if isinstance(func, ast.IfExp):
        return _call_name(func.body) | _call_name(func.orelse)
    return set()


def _markdown_arguments(call: ast.Call) -> Iterator[tuple[str, ast.expr]]:
    names = _call_name(call.func)
    if names & BODY_CALLS:
        for arg in call.args:
            yield "/".join(sorted(names)), arg
        for kw in call.keywords:
            if kw.arg == "body":
                yield kw.arg, kw.value
    if names & LABEL_CALLS and call.args:
        yield "/".join(sorted(names)), call.args[0]
    if "tabs" in names and call.args:
        yield "tabs", call.args[0]
    if not names & (BODY_CALLS | LABEL_CALLS | {"update", "tabs"}) and not any(n.endswith("Column") for n in names):
        return
    for kw in call.keywords:
        if kw.arg in MARKDOWN_KEYWORDS:
            yield f"{'/'.join(sorted(names)) or 'call'} {kw.arg}=", kw.value


def _writes_a_file(call: ast.Call, scope: _Scope) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and scope.is_file(func.value.id)


def _project_modules(tree: ast.Module) -> set[str]:
    """Names bound to this project's modules (``from ui import experiments_view as ev``: ``ev.header(…)``
    is our own function, scanned in its own file) or to a logger: not Streamlit's."""
    names: set[str] = {"logging"}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and ast.unparse(node.value.func) == "logging.getLogger":  # log.warning(…) goes to the server log
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in {"ui", "journeys"}:
            names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.asname for a in node.names if a.asname and a.name.split(".")[0] in {"ui", "journeys"})
    return names


def bypasses(source: str, path: str = "<snippet>") -> list[Bypass]:
    """Every argument of a Markdown-rendering call in ``source`` that may carry unescaped text."""
    tree = ast.parse(source)
    checker = Checker(tree)
    ours = _project_modules(tree)
    found: list[Bypass] = []

    def visit(node: ast.AST, scope: _Scope) -> None:
        for child in ast.iter_child_nodes(node):
            inner = _Scope(child, scope) if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef
                                                      | ast.Lambda) else scope
            func = child.func if isinstance(child, ast.Call) else None
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ours:
                pass
            elif isinstance(child, ast.Call) and not _writes_a_file(child, scope):
                for call, arg in _markdown_arguments(child):
                    if not checker.safe(arg, scope):
                        found.append(Bypass(path, arg.lineno, call, ast.unparse(arg)[:120]))
            visit(child, inner)

    visit(tree, checker.module)
    return found


def scanned_files() -> list[Path]:
    return sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), ROOT / "streamlit_app.py"])


def test_no_user_text_reaches_markdown_unescaped() -> None:
    found = [b for path in scanned_files()
             for b in bypasses(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
             if (b.path, b.code) not in ALLOWED]
    assert not found, "unescaped text reaches Streamlit's Markdown (wrap it in ui.text.plain/shown):\n" + \
        "\n".join(map(str, found))


def test_the_scan_covers_the_app() -> None:
    names = {str(p.relative_to(ROOT)) for p in scanned_files()}
    assert {"streamlit_app.py", "ui/frame.py", "pages/map.py", "ui/review_view.py"} <= names


@pytest.mark.parametrize("snippet", [
    'st.caption(f"Dataset {name}")',
    'left.caption(f"Dataset **{d.name}**")',
    "st.markdown(note)",
    "st.toast(saved.message)",
    'st.error("Could not save: " + error.message)',
    'st.expander(f"{step.label} details")',
    'st.button(journey.name, key="x")',
    'st.selectbox("Step", options, help=f"Steps of {journey}")',
    "st.tabs([d.name for d in datasets])",
    'st.write(f"{value!r}")',
    'st.metric(f"Rows of {name}", 3)',
    'status.update(label=f"Imported {dataset}")',
    '(st.caption if ok else st.error)(f"{text}")',
    'def f(name):\n    text = f"Hello {name}"\n    st.info(text)',
    'def f(rows):\n    st.caption(", ".join(r.name for r in rows))',
    'def f(names):\n    lines = []\n    for n in names:\n        lines.append(f"**{n}**")\n'
    '    st.warning("\\n".join(lines))',
    'def label(s):\n    return s.title\nst.caption(label(step))',
    'st.caption(f"{name:>20}")',
    'latest = max(datasets, key=lambda d: d.created_at)\nst.caption(f"latest {latest.name}")',
    'with st.status("Importing") as box:\n    box.write(f"{name}")',
    'from ui import experiments_view as ev\nst.header(ev.title(x))',
])
def test_the_scan_flags_a_bypass(snippet: str) -> None:
    assert bypasses(textwrap.dedent(snippet)), snippet


@pytest.mark.parametrize("snippet", [
    'st.caption(f"Dataset {plain(name)}")',
    'st.caption(f"{n:,} tickets, {share:.1%} of them, on {when:%d %b %Y}")',
    'st.markdown("**Fixed** text")',
    "st.toast(shown(saved.message))",
    'st.error("Could not save: " + plain(error.message))',
    'st.caption(f"{len(rows)} rows, version {d.version}")',
    'def f(name):\n    text = f"Hello {plain(name)}"\n    st.info(text)',
    'def f(rows):\n    st.caption(", ".join(plain(r.name) for r in rows))',
    'WORDS = {"a": "first", "b": "second"}\nst.caption(WORDS[kind])',
    'def label(s):\n    return plain(s.title)\nst.caption(label(step))',
    '(st.caption if ok else st.error)(plain(text).capitalize())',
    'for col in COLUMNS:\n    st.markdown(f"`{col.name}`", help=col.meaning)',
    'with path.open("wb") as handle:\n    handle.write(data)',
    'from ui import experiments_view as ev\nev.header(stored)',
    'import logging\nlog = logging.getLogger(__name__)\nlog.warning("fault: %s", detail)',
])
def test_the_scan_accepts_escaped_or_constant_text(snippet: str) -> None:
    assert not bypasses(textwrap.dedent(snippet)), snippet
