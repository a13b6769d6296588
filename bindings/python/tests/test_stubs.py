"""The `.pyi` stubs name exactly the public methods and attributes the native classes have."""

import ast
from pathlib import Path

import cipp._native as native

STUB = Path(__file__).resolve().parents[1] / "python" / "cipp" / "_native.pyi"


def test_every_native_class_matches_its_stub():
    tree = ast.parse(STUB.read_text())
    checked = 0
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and hasattr(native, node.name)):
            continue
        declared = {
            f.name
            for f in node.body
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and not f.name.startswith("_")
        }
        actual = {m for m in dir(getattr(native, node.name)) if not m.startswith("_")}
        assert declared == actual, (
            f"{node.name}: not in the stub {sorted(actual - declared)}, "
            f"only in the stub {sorted(declared - actual)}"
        )
        checked += 1
    assert checked >= 20, checked
