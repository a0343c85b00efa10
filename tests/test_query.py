"""--query: BM25 over paths, split identifiers and text puts the obviously relevant file first."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli
from gitdigest.focus.query import stem, words

from .conftest import MakeRepo

# flask-shaped: the app registers blueprints; the blueprint module only defines them
FLASKISH = {
    "README.md": "# Tiny\nA small web framework with routes and templates.\n",
    "src/tiny/app.py": '''"""The application object."""
from .blueprints import Blueprint


class App:
    def __init__(self, name):
        self.name = name
        self.blueprints = {}

    def route(self, rule):
        return lambda f: f

    def register_blueprint(self, blueprint, **options):
        """Register a blueprint on the application."""
        self.blueprints[blueprint.name] = blueprint
        blueprint.register(self, options)

    def run(self, host=None, port=None):
        return (host, port)
''',
    "src/tiny/blueprints.py": '''class Blueprint:
    def __init__(self, name, import_name):
        self.name = name

    def route(self, rule):
        return lambda f: f

    def register(self, app, options):
        self.app = app
''',
    "src/tiny/templating.py": '''def render_template(name, **context):
    """Render a template with the given context."""
    return name.format(**context)
''',
    "src/tiny/config.py": '''class Config(dict):
    def from_object(self, obj):
        for key in dir(obj):
            self[key] = getattr(obj, key)
''',
    "docs/templates.rst": "Templates\n=========\n\nRender templates with render_template.\n",
}


def test_words_split_identifiers_and_stem() -> None:
    assert words("register_blueprint registerBlueprint HTTPServer") == [
        "register", "blueprint", "register", "blueprint", "http", "server"]
    assert words("How are blueprints registered?") == ["blueprint", "register"]
    assert stem("class") == "class" and stem("routing") == "rout" and stem("is") == "is"


def test_the_file_defining_register_blueprint_comes_first(make_repo: MakeRepo) -> None:
    result = digest(str(make_repo(FLASKISH)), query="how are blueprints registered")
    ranked = sorted(result.views.values(), key=lambda v: -(v.score or 0))
    assert ranked[0].path == "src/tiny/app.py"
    assert ranked[0].why is not None and "blueprint" in ranked[0].why
    assert "register" in ranked[0].why
    again = digest(str(make_repo(FLASKISH, name="again")), query="how are blueprints registered")
    assert {v.path: v.score for v in again.views.values()} == {
        v.path: v.score for v in result.views.values()}  # deterministic


def test_query_under_a_budget_shows_the_relevant_file_richest(make_repo: MakeRepo) -> None:
    root = make_repo(FLASKISH)
    runner = CliRunner()
    out = runner.invoke(cli, [str(root), "--query", "render a template", "--max-tokens", "700",
                              "-f", "json", "-o", "-", "-q"])
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    files = {item["path"]: item for item in data["files"]}
    assert files["src/tiny/templating.py"]["view"] == "full"
    best = max(data["files"], key=lambda item: item["score"])
    assert best["path"] == "src/tiny/templating.py"
    assert "render" in best["why"] and "template" in best["why"]
    assert data["summary"]["tokens"] <= 700
