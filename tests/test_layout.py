"""The code's layout keeps its promises: no import cycle among the project's modules, tasks
modules imported by nobody (tasks import services, never the reverse), and every Celery task
name ever published still understood.

The import graph is read from the source (AST) rather than by an import-linter contract: it
needs no dependency, and it counts imports inside functions too, so a function-local import
cannot hide a cycle.
"""

import ast
from pathlib import Path

from django.conf import settings

from campaign.celery import app

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "campaign"

# Every name a task was published under before the split (messages queued in Redis during a
# deploy carry these), and so every name the beat schedule may use.
TASK_NAMES = {
    f"campaign.petitions.tasks.{name}"
    for name in (
        "send_signature_emails",
        "resend_signature_email",
        "hold_signature",
        "sweep_email_outbox",
        "update_signature_counts",
        "recount_signatures",
        "purge_expired_data",
        "run_export_job",
        "purge_export_files",
        "apply_invalidation",
        "reverse_invalidation",
        "resume_invalidations",
        "close_due_petitions",
    )
} | {"campaign.moderation.tasks.anonymise_signatures"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts and path.name != "gunicorn.conf.py"
    }


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # `from pkg import mod` imports pkg.mod when it is a module, else a name from pkg.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            # A package's __init__ is imported with each of its modules; only real edges count.
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_among_the_project_modules():
    assert _cycles(_graph()) == []


def test_the_cycle_check_sees_a_cycle_made_by_a_function_local_import():
    graph = _graph()
    graph["campaign.petitions.services"].add("campaign.moderation.actions")  # as `from ... import` inside a function
    assert any("campaign.petitions.services" in cycle for cycle in _cycles(graph))


def test_no_module_imports_a_tasks_module():
    importers = {
        name: sorted(target for target in targets if target.rpartition(".")[2] == "tasks")
        for name, targets in _graph().items()
    }
    assert {name: targets for name, targets in importers.items() if targets} == {}


def test_every_task_name_ever_published_still_finds_its_task():
    app.loader.import_default_modules()
    assert TASK_NAMES - set(app.tasks) == set()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= TASK_NAMES
