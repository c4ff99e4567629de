"""`techniques` sits at the bottom of the app graph: it imports nothing from `intake` or `bookings`."""

import ast
from pathlib import Path

import techniques

FORBIDDEN = ("intake", "bookings")


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_techniques_never_imports_intake_or_bookings():
    root = Path(techniques.__file__).parent
    offenders = {
        str(path.relative_to(root)): module
        for path in root.rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN
    }
    assert offenders == {}
