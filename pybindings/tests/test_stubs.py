"""The shipped type stubs (pybindings/coconut_sim.pyi) against the built module, without mypy
(Debian's mypy is not installed here): every public name of the module is in the stubs and
every name in the stubs is the module's; each function's and method's parameters, in order
with their defaults, are the ones pybind11 reports in its signature line."""
import ast
import builtins
import inspect
import pathlib
import re

import coconut_sim

STUB = pathlib.Path(__file__).resolve().parents[1] / "coconut_sim.pyi"


def stub_tree():
    return ast.parse(STUB.read_text())


def public(names):
    return {n for n in names if not n.startswith("_") or n in ("__init__", "__enter__",
                                                              "__exit__", "__eq__")}


def stub_params(fn: ast.FunctionDef):
    args = fn.args
    names = [a.arg for a in args.args]
    defaults = [None] * (len(args.args) - len(args.defaults)) + [
        ast.literal_eval(d) for d in args.defaults]
    out = list(zip(names, defaults))
    if args.vararg:
        out.append(("*" + args.vararg.arg, None))
    return [p for p in out if p[0] != "self"]


def module_params(obj):
    """(name, default) pairs from pybind11's first docstring line: f(self: T, a: int = 1), or
    from the signature of a function the module defines in Python."""
    if inspect.isfunction(obj):
        return [(("*" if p.kind == p.VAR_POSITIONAL else "") + n,
                 None if p.default is p.empty else p.default)
                for n, p in inspect.signature(obj).parameters.items() if n != "self"]
    line = (obj.__doc__ or "").split("\n")[0]
    m = re.match(r"^\w+\((.*)\) -> ", line)
    assert m, f"no pybind11 signature line: {line!r}"
    out = []
    for part in re.split(r", (?![^\[]*\])", m.group(1)) if m.group(1) else []:
        name = part.split(":")[0].strip()
        default = None
        if " = " in part:
            text = part.split(" = ", 1)[1]
            default = None if text == "None" else ast.literal_eval(text)
        out.append((name, default))
    return [p for p in out if p[0] != "self"]


def test_every_module_name_is_in_the_stubs_and_back():
    tree = stub_tree()
    stub_top = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    stub_top |= {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign)}
    assert stub_top == public(n for n in dir(coconut_sim) if not n.startswith("__"))
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        live = getattr(coconut_sim, cls.name)
        if issubclass(live, BaseException):
            continue
        stub_members = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
        live_members = public(vars(live))
        if (live.__init__.__doc__ or "").startswith("Initialize self"):
            live_members.discard("__init__")  # no constructor from Python
        assert stub_members == live_members, cls.name


def test_signatures_match_the_module():
    tree = stub_tree()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            assert stub_params(node) == module_params(getattr(coconut_sim, node.name)), node.name
        if isinstance(node, ast.ClassDef) and not issubclass(getattr(coconut_sim, node.name),
                                                              BaseException):
            live = getattr(coconut_sim, node.name)
            for fn in (n for n in node.body if isinstance(n, ast.FunctionDef)):
                member = vars(live)[fn.name]
                if isinstance(member, property) or fn.name == "__eq__":
                    continue
                assert stub_params(fn) == module_params(member), f"{node.name}.{fn.name}"


def test_the_exceptions_have_the_stubs_bases():
    tree = stub_tree()
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        live = getattr(coconut_sim, cls.name)
        for base in cls.bases:
            want = getattr(coconut_sim, base.id, None) or getattr(builtins, base.id)
            assert issubclass(live, want), cls.name


def test_help_teaches_every_public_name():
    """help(coconut_sim.X) says what each public method and property does: every one has a
    docstring beyond pybind11's signature line."""
    missing = []
    for name in dir(coconut_sim):
        obj = getattr(coconut_sim, name)
        if name.startswith("_") or not isinstance(obj, type) or issubclass(obj, BaseException):
            continue
        for member, value in vars(obj).items():
            if member.startswith("_") and member not in ("__init__", "__enter__", "__exit__"):
                continue
            doc = (getattr(value, "__doc__", None) or "").strip()
            if isinstance(value, property):
                doc = (value.__doc__ or "").strip()
            lines = [line for line in doc.split("\n")[1:] if line.strip()] \
                if re.match(r"^\w+\(", doc) else doc.split("\n")
            if not any(line.strip() for line in lines) and doc.find("Initialize self") < 0:
                missing.append(f"{name}.{member}")
    assert not missing, missing
