"""--query: BM25 over paths, split identifiers and text puts the obviously relevant file first."""

from __future__ import annotations

import itertools
import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli
from gitdigest.focus import rank as rank_module
from gitdigest.focus.compress import outline
from gitdigest.focus.query import (
    Counted,
    _plain_bm25,
    bm25,
    counted,
    document_counted,
    document_words,
    forms,
    stem,
    tally,
    words,
)
from gitdigest.focus.retrieve import (
    fused,
    is_test,
    name_hits,
    parse,
    path_hits,
    relevance,
    subject_of,
)
from gitdigest.plan import fit as fit_module

from .conftest import MakeRepo, git

pytestmark = pytest.mark.extra

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


# --- the signals, on in-memory inputs -------------------------------------------------------


def test_parse_finds_names_and_paths_and_weighs_code_like_ones() -> None:
    asked = parse("Fix `send_file` for Request.hooks in src/app/helpers.py and the fish shell")
    assert asked.names["send_file"] == 3.0 and asked.names["hooks"] == 3.0
    assert asked.names["fish"] == 1.0
    assert "fix" not in asked.names and "the" not in asked.names
    assert asked.paths == ["src/app/helpers.py"]


def test_a_name_defined_in_fewer_files_counts_more() -> None:
    definitions = {"a.py": frozenset({"url_for", "run"}), "b.py": frozenset({"run"}),
                   "c.py": frozenset({"run"}), "d.py": frozenset({"other"})}
    hits = name_hits(parse("url_for should not run twice"), definitions)
    assert hits["a.py"] > hits["b.py"] == hits["c.py"] > 0
    assert "d.py" not in hits


def test_file_names_made_of_asked_words_and_given_paths_are_hits() -> None:
    paths = ["fish_completions.go", "bash_completions.go", "command.go", "pkg/util.go"]
    hits = path_hits(parse("quote args in fish completions"), paths)
    assert max(hits, key=hits.__getitem__) == "fish_completions.go"
    assert "command.go" not in hits
    assert path_hits(parse("see pkg/util.go"), paths)["pkg/util.go"] == 4.0


def test_tests_are_paired_with_the_code_they_test() -> None:
    assert subject_of("tests/test_views.py") == "views"
    assert subject_of("cmd/args_test.go") == "args"
    assert subject_of("web/button.spec.ts") == "button"
    assert subject_of("src/views.py") is None
    assert is_test("tests/conftest.py") and not is_test("src/testing.py")


def _counted(corpus: dict[str, list[str]], question: str) -> dict[str, Counted]:
    return {path: counted(seen, parse(question).words) for path, seen in corpus.items()}


def test_a_relevant_test_lifts_its_module_and_ranks_below_it() -> None:
    corpus = {"src/views.py": words("class View: pass"),
              "src/other.py": words("def helper(): pass"),
              "tests/test_views.py": words("dispatch dispatch dispatch request view")}
    definitions = {"src/views.py": frozenset({"View"}), "src/other.py": frozenset({"helper"}),
                   "tests/test_views.py": frozenset()}
    uses = {path: rank_module.references(" ".join(text)) for path, text in corpus.items()}
    graph = rank_module.reference_graph(definitions, uses)
    found = relevance("dispatch the request", _counted(corpus, "dispatch the request"),
                      definitions, graph, {})
    assert found["src/views.py"].score > found["src/other.py"].score
    assert found["src/views.py"].score > found["tests/test_views.py"].score > 0


def test_a_test_of_no_one_file_lifts_nothing() -> None:
    # conftest.py tests no file of its name; its relevance must not go to the files whose
    # name has no stem either (.gitignore, .editorconfig)
    corpus = {".gitignore": words("build dist"), ".editorconfig": words("indent size"),
              "tests/conftest.py": words("dispatch dispatch dispatch request fixture")}
    definitions: dict[str, frozenset[str]] = {"tests/conftest.py": frozenset()}
    graph = rank_module.reference_graph(definitions, {})
    found = relevance("dispatch the request", _counted(corpus, "dispatch the request"),
                      definitions, graph, {})
    assert found["tests/conftest.py"].score > 0
    assert found[".gitignore"].score == found[".editorconfig"].score == 0


def test_personalised_pagerank_reaches_what_the_seed_uses_and_who_uses_it() -> None:
    definitions = {"a.py": frozenset({"alpha"}), "b.py": frozenset({"beta"}),
                   "c.py": frozenset({"gamma"}), "far.py": frozenset({"delta"})}
    uses = {path: rank_module.Uses.of(Counter(used)) for path, used in
            (("a.py", {"beta": 1}), ("b.py", {}), ("c.py", {"alpha": 1}), ("far.py", {}))}
    graph = rank_module.reference_graph(definitions, uses)
    near = rank_module.around(graph, {"a.py": 1.0})
    assert near["b.py"] > near["far.py"] and near["c.py"] > near["far.py"]
    assert rank_module.around(graph, {}) == {}


def test_plain_bm25_matches_bm25s() -> None:
    corpus = {"a": words("blueprint register app"), "b": words("config from object"),
              "c": words("register register template"), "d": []}
    asked = words("register a blueprint")
    with_extra = bm25(asked, corpus)
    plain = _plain_bm25(asked, [corpus[p] or ["\x00"] for p in sorted(corpus)], sorted(corpus))
    assert plain.keys() == with_extra.keys()
    for path in plain:
        assert abs(plain[path] - with_extra[path]) < 1e-4
    assert plain["a"] > plain["c"] > plain["b"] == 0


def test_bm25_from_counts_is_bm25s_bit_for_bit() -> None:
    bm25s = pytest.importorskip("bm25s")
    chance = random.Random(7)
    vocabulary = [f"w{i}" for i in range(200)]
    for _ in range(40):
        corpus = {f"p{i}": [chance.choice(vocabulary[:chance.randint(1, 200)])
                            for _ in range(chance.randint(0, 300))]
                  for i in range(chance.randint(1, 40))}
        asked = [*chance.sample(vocabulary, chance.randint(1, 5)), "unseen"]
        paths = sorted(corpus)
        retriever = bm25s.BM25()
        retriever.index([corpus[p] or ["\x00"] for p in paths], show_progress=False)
        expected = dict(zip(paths, map(float, retriever.get_scores(asked)), strict=True))
        assert bm25(asked, corpus) == expected


def test_counting_the_asked_words_equals_counting_every_word() -> None:
    texts = [Path(__file__).read_text(), FLASKISH["src/tiny/app.py"], "",
             "A I a1 THE The the Handles handled handling handle HANDLES process processes "
             "registered registering Registers registerBlueprint URLPrefix url_prefixes x 1 22",
             "\n".join(FLASKISH.values())]
    for question in ("how are blueprints registered", "handle processes of the url prefix",
                     "a I the", "register handling 22 x"):
        asked = parse(question).words
        for text in texts:
            assert tally(text, forms(asked)) == counted(words(text), asked), (question, text)
            found = outline("src/app.py", text)
            names = frozenset(d.name for d in found.definitions) if found else frozenset()
            heading = document_counted("src/tiny/url_prefix.py", names, tally(text, forms(asked)),
                                       forms(asked))
            assert heading == counted(document_words("src/tiny/url_prefix.py", names, text),
                                      asked)


# --- a small history: each commit's message is the question, its files the answer -----------

SHOP = {
    "README.md": "# Shop\nA tiny shop: carts, prices, stock, payments and shipping.\n",
    "pyproject.toml": "[project]\nname = 'shop'\nversion = '1.0'\n",
    "src/shop/__init__.py": "from .cart import Cart\nfrom .orders import Order\n",
    "src/shop/cart.py": '''class Cart:
    """Items a customer is about to buy."""

    def __init__(self):
        self.items = {}

    def add_item(self, sku, quantity=1):
        self.items[sku] = self.items.get(sku, 0) + quantity

    def remove_item(self, sku):
        del self.items[sku]

    def total(self, prices):
        return sum(prices[sku] * count for sku, count in self.items.items())
''',
    "src/shop/pricing.py": '''def apply_discount(amount, percent):
    """The amount less a percentage."""
    return amount * (100 - percent) / 100


def tax_rate(country):
    return {"FR": 0.2, "DE": 0.19}.get(country, 0.0)
''',
    "src/shop/inventory.py": '''class Inventory:
    def __init__(self):
        self.stock = {}

    def reserve_stock(self, sku, quantity):
        if self.stock.get(sku, 0) < quantity:
            raise ValueError(sku)
        self.stock[sku] -= quantity

    def release_stock(self, sku, quantity):
        self.stock[sku] = self.stock.get(sku, 0) + quantity
''',
    "src/shop/payment.py": '''def charge_card(card, amount):
    """Charge a card; returns a receipt id."""
    return f"{card}:{amount}"


def refund(receipt):
    return receipt.split(":")[0]
''',
    "src/shop/shipping.py": '''def shipping_cost(weight, country):
    return 5 + weight * (2 if country == "FR" else 3)


def estimate_delivery(days):
    return days + 2
''',
    "src/shop/orders.py": '''from .cart import Cart
from .inventory import Inventory
from .payment import charge_card


class Order:
    def __init__(self, cart: Cart, inventory: Inventory):
        self.cart = cart
        self.inventory = inventory

    def place(self, card, prices):
        for sku, count in self.cart.items.items():
            self.inventory.reserve_stock(sku, count)
        return charge_card(card, self.cart.total(prices))

    def cancel(self):
        pass
''',
    "src/shop/users.py": '''class User:
    def __init__(self, email, password):
        self.email = email
        self.password = password


def authenticate(users, name, password):
    return any(u.email == name and u.password == password for u in users)
''',
    "src/shop/emails.py": '''def send_receipt(user, receipt):
    return f"To: {user.email}\\nYour receipt: {receipt}"
''',
    # prose that mentions every subject: what plain BM25 over text puts first
    "docs/guide.md": "# Guide\n\n" + (
        "Customers add items to the cart, remove items from the cart, get a discount on the "
        "price, pay by card, get a refund, a receipt by email, and shipping with delivery "
        "days. Orders reserve stock and release stock when cancelled. Users log in by email "
        "and password. The cart total includes the tax rate of the country.\n\n") * 3,
    "docs/howto.md": "# How to\n\n" + (
        "To apply a discount, round the price. To remove an item, open the cart. A card is "
        "charged once; a refund sends a receipt by email. Shipping is free above a weight; "
        "delivery takes days. Cancel an order to release its stock. Log in by email.\n\n") * 3,
    "docs/faq.md": "# FAQ\n\n" + ("Can I cancel an order? Is shipping free? How is the "
                                  "discount applied to the price? When is the card charged? "
                                  "How do I remove an item from my cart?\n\n") * 5,
    "tests/test_cart.py": "from shop.cart import Cart\n\n\ndef test_add_item():\n"
                          "    cart = Cart()\n    cart.add_item('a')\n    assert cart.items\n",
    "tests/test_pricing.py": "from shop.pricing import apply_discount\n\n\n"
                             "def test_apply_discount():\n"
                             "    assert apply_discount(100, 10) == 90\n",
    "tests/test_orders.py": "from shop.orders import Order\n\n\ndef test_order():\n"
                            "    assert Order\n",
}



def _audited(files: dict[str, str]) -> dict[str, str]:
    """Real modules are mostly bodies: each source module gets a function whose body (a long
    comment) shows whole but not in its outline or map entry."""
    note = "".join(f"    # rule {i}: keep this in step with the ledger; values are checked "
                   f"upstream and the totals reconciled every night by the batch job\n"
                   for i in range(5))
    return {path: text + (f"\n\ndef audit_log(entries):\n{note}    return list(entries)\n"
                          if path.startswith("src/") and ("class" in text or "def" in text)
                          else "")
            for path, text in files.items()}


SHOP = _audited(SHOP)

CHANGES = [  # (message, {path: (old, new)})
    ("Round apply_discount to cents",
     {"src/shop/pricing.py": ("return amount * (100 - percent) / 100",
                              "return round(amount * (100 - percent) / 100, 2)")}),
    ("Cart.remove_item ignores a missing sku",
     {"src/shop/cart.py": ("del self.items[sku]", "self.items.pop(sku, None)")}),
    ("Release the stock when an Order is cancelled",
     {"src/shop/orders.py": ("    def cancel(self):\n        pass",
                             "    def cancel(self):\n        for sku, count in "
                             "self.cart.items.items():\n            "
                             "self.inventory.release_stock(sku, count)")}),
    ("charge_card rejects a zero amount",
     {"src/shop/payment.py": ('    return f"{card}:{amount}"',
                              '    if not amount:\n        raise ValueError(amount)\n'
                              '    return f"{card}:{amount}"')}),
    ("shipping_cost is free above 50 kg",
     {"src/shop/shipping.py": ("    return 5 + weight", "    if weight > 50:\n        return 0\n"
                                                         "    return 5 + weight")}),
    ("authenticate compares emails case-insensitively",
     {"src/shop/users.py": ("u.email == name", "u.email.lower() == name.lower()")}),
    ("send_receipt and refund mention the receipt id",
     {"src/shop/emails.py": ("Your receipt:", "Your receipt id:"),
      "src/shop/payment.py": ('return receipt.split(":")[0]', 'return receipt.split(":", 1)[0]')}),
    ("tax_rate knows Italy",
     {"src/shop/pricing.py": ('"DE": 0.19}', '"DE": 0.19, "IT": 0.22}')}),
]


def _history(make_repo: MakeRepo) -> tuple[Path, list[tuple[str, str, list[str]]]]:
    """The shop repository with one commit per change: (parent, message, files changed)."""
    root = make_repo(SHOP)
    cases = []
    for message, edits in CHANGES:
        parent = git(root, "rev-parse", "HEAD").strip()
        for path, (old, new) in edits.items():
            text = (root / path).read_text()
            assert old in text, (path, old)
            (root / path).write_text(text.replace(old, new))
        git(root, "commit", "-qam", message)
        cases.append((parent, message, sorted(edits)))
    return root, cases


def _plain_bm25_whole(texts: dict[str, str], blocks: dict[str, int], question: str,
                      room: int) -> set[str]:
    """The baseline: BM25 over each file's words, whole files in rank order within ``room``."""
    def split(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.lower())

    paths = sorted(texts)
    scores = _plain_bm25(split(question), [split(texts[p]) or ["\x00"] for p in paths], paths)
    kept = set()
    for path in sorted(paths, key=lambda p: (-scores[p], p)):
        if blocks[path] <= room:
            kept.add(path)
            room -= blocks[path]
    return kept


def test_query_beats_bm25_on_a_history_and_never_shows_less_than_no_query(
        make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    # fixed dates, so the same commit ids every run: the digest's Commit: line is part of the
    # frame, and the token count of a random 40-digit hex id moved the room left at this tight
    # budget by a few tokens (9 answer files against 8, one run in about seven)
    for name in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.setenv(name, "2026-01-01T00:00:00+00:00")
    root, cases = _history(make_repo)
    totals = Counter[str]()
    # the frame, shaped to fit (plan/shape.py), takes ~350: the rest holds one to three files
    for budget, (parent, message, answer) in itertools.product((800, 1000, 1200), cases):
        plain = digest(str(root), ref=parent)
        texts = {d.path: text for d, text in plain.contents()}
        blocks = {d.path: d.block_tokens for d in plain.files}
        asked = digest(str(root), ref=parent, query=message, max_tokens=budget)
        unasked = digest(str(root), ref=parent, max_tokens=budget)
        assert asked.summary.tokens <= budget
        frame = asked.summary.tokens - sum(d.block_tokens for d in asked.files)
        baseline = _plain_bm25_whole(texts, blocks, message, budget - frame)
        shown = {d.path: d.view for d in asked.files}
        without = {d.path for d in unasked.files}
        assert sum(p in shown for p in answer) >= sum(p in without for p in answer), message
        totals["query"] += sum(shown.get(p) == "full" for p in answer)
        totals["bm25"] += sum(p in baseline for p in answer)
        totals["answer"] += len(answer)
    # the prose that mentions every subject comes first for plain BM25, and crowds it out
    assert totals["query"] >= totals["bm25"] + 3, totals


def test_a_prose_question_keeps_every_source_file_the_plain_order_shows(
        make_repo: MakeRepo) -> None:
    # the docs answer this question by BM25 alone; the source files a budget shows without a
    # question must still be shown with it (a map entry at least), whatever the ranks are
    # (a setup.py with definitions too: requests' answer for "2.3.0 release" was one)
    setup = ("from setuptools import setup\n\n\ndef read(name):\n    with open(name) as f:\n"
             "        return f.read()\n\n\nsetup(name='shop', long_description=read('README'))\n")
    root = make_repo({**SHOP, "setup.py": setup})
    question = "Customers can cancel an order; is shipping free; how is the discount applied"
    for budget in (1500, 3000):
        plain = digest(str(root), max_tokens=budget)
        asked = digest(str(root), max_tokens=budget, query=question)
        source = {d.path for d in plain.files if d.path.startswith("src/")
                  or d.path == "setup.py"}
        assert source, budget
        assert source <= {d.path for d in asked.files}, budget


def test_fusion_counts_ranks_not_values() -> None:
    paths = ["a.py", "b.py", "c.py"]
    signals = {"names": {"a.py": 1.0}, "paths": {"a.py": 1.0}, "text": {"a.py": 1.0, "b.py": 0.99},
               "graph": {"a.py": 1.0}, "history": {"a.py": 1.0, "b.py": 0.01}}
    scores = fused(signals, paths)
    assert scores["a.py"] == pytest.approx(1.0)  # first in every signal
    assert scores["c.py"] == 0.0
    # a signal's values may be bunched or spread: only the order of the files counts
    shrunk = {**signals, "text": {"a.py": 0.5, "b.py": 0.0001}}
    assert fused(shrunk, paths) == scores
    # equal values share a rank
    tied = fused({**signals, "text": {"a.py": 1.0, "b.py": 1.0}}, paths)
    assert tied["b.py"] > scores["b.py"]
    # b, second by a hair in text and found by history, passes a file first in text alone
    text_first = fused({name: {} for name in signals} | {"text": {"c.py": 1.0, "b.py": 0.99},
                                                          "history": {"b.py": 0.01}}, paths)
    assert text_first["b.py"] > text_first["c.py"]


def test_a_tight_budget_still_shows_the_asked_file_whole(make_repo: MakeRepo,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # at 800 tokens the map entries of every source file would take most of the room: only
    # the most relevant keep theirs, and the file asked about is whole
    root = make_repo(SHOP)
    question = "tax_rate of a country"
    plain = digest(str(root), max_tokens=800)
    asked = digest(str(root), max_tokens=800, query=question)
    assert {d.path: d.view for d in plain.files}.get("src/shop/pricing.py") != "full"
    assert {d.path: d.view for d in asked.files}["src/shop/pricing.py"] == "full"
    assert asked.summary.tokens <= 800
    # every map entry kept, nothing is left to show it whole (but for a clear answer, below)
    monkeypatch.setattr(fit_module, "FLOOR_SHARE", 1.0)
    monkeypatch.setattr(fit_module, "CLEAR_MARGIN", 0.0)
    floored = digest(str(root), max_tokens=800, query=question)
    assert {d.path: d.view for d in floored.files}["src/shop/pricing.py"] != "full"


@pytest.mark.parametrize(("question", "path"), [("tax_rate of a country", "src/shop/pricing.py"),
                                                ("how is shipping_cost computed",
                                                 "src/shop/shipping.py")])
def test_a_clear_answer_is_whole_before_the_floor(make_repo: MakeRepo,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  question: str, path: str) -> None:
    # at 600 tokens the map entries the floor keeps leave the file asked about compressed;
    # it scores clearly above every other file (0.75 against 0.51, 0.95 against 0.30), so it
    # is whole first and the floor shares what it leaves
    root = make_repo(SHOP)
    asked = digest(str(root), max_tokens=600, query=question)
    scores = sorted((v.score or 0.0 for v in asked.views.values()), reverse=True)
    assert scores[1] <= fit_module.CLEAR_MARGIN * scores[0]
    assert {d.path: d.view for d in asked.files}[path] == "full"
    assert asked.summary.tokens <= 600
    assert len(asked.files) > 1  # the floor still has room for other files' entries
    monkeypatch.setattr(fit_module, "CLEAR_MARGIN", 0.0)  # what happened before
    before = digest(str(root), max_tokens=600, query=question)
    assert {d.path: d.view for d in before.files}[path] != "full"


def test_the_file_asked_about_always_gets_a_view(make_repo: MakeRepo,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # at these budgets the room left after the frame holds about one file whole: the file
    # asked about may not fit whole, but it must not give all its room to the files after it
    root = make_repo(SHOP)
    cases = [("tax_rate of a country", "src/shop/pricing.py"),
             ("how is shipping_cost computed", "src/shop/shipping.py"),
             ("send_receipt by email", "src/shop/emails.py")]

    def views() -> list[str | None]:
        found = []
        for (question, path), budget in itertools.product(cases, range(450, 800, 50)):
            asked = digest(str(root), max_tokens=budget, query=question)
            assert asked.summary.tokens <= budget
            found.append({d.path: d.view for d in asked.files}.get(path))
        return found

    assert None not in views()
    monkeypatch.setattr("gitdigest.api.ASKED_KEPT", 0)  # what happened before
    monkeypatch.setattr(fit_module, "CLEAR_MARGIN", 0.0)  # (a clear answer also gets one)
    assert None in views()


def test_a_question_with_nothing_to_match_warns_and_keeps_the_plain_order(
        make_repo: MakeRepo) -> None:
    root = make_repo(SHOP)
    plain = digest(str(root), max_tokens=1200)
    for question in ("", "the of and", "a 1 b"):
        asked = digest(str(root), max_tokens=1200, query=question)
        assert [(d.path, d.view) for d in asked.files] == [(d.path, d.view) for d in plain.files]
        assert any("has no word to match" in note for note in asked.notes), question
    assert not any("has no word to match" in note
                   for note in digest(str(root), max_tokens=1200, query="tax rate").notes)


def test_why_gives_the_rank_in_each_signal_that_found_the_file(make_repo: MakeRepo) -> None:
    root = make_repo(SHOP)
    result = digest(str(root), query="tax_rate of a country", max_tokens=4000)
    why = result.views["src/shop/pricing.py"].why
    assert why is not None
    assert why.startswith("matches ") and "names #1" in why and "text #1" in why, why


def test_tests_lift_their_subjects_as_each_pair_alone_would() -> None:
    from gitdigest.focus.retrieve import PAIR_SHARE, _pair_tests

    paths = [*(f"pkg{i}/util.py" for i in range(30)), *(f"tests/t{i}/test_util.py"
                                                          for i in range(30)),
             "src/views.py", "tests/test_views.py", "tests/conftest.py", ".editorconfig"]
    raw = {p: (i * 37 % 101) / 100 for i, p in enumerate(paths)}
    naive = dict(raw)  # every test against every file of its name, the old way
    for test in paths:
        name = subject_of(test)
        for target in paths:
            if name and not is_test(target) and target.rsplit("/", 1)[-1].split(".")[0] == name:
                naive[target] = max(naive[target], PAIR_SHARE * raw[test])
    assert _pair_tests(raw, paths) == naive


def test_only_the_first_characters_of_a_long_question_are_read(make_repo: MakeRepo) -> None:
    from gitdigest.focus.retrieve import QUESTION_LIMIT

    tail = " zebra_crossing"
    question = "tax rate " + "x" * QUESTION_LIMIT + tail
    assert "zebra_crossing" not in parse(question).names
    assert "zebra_crossing" in parse("tax rate" + tail).names
    root = make_repo(SHOP)
    result = digest(str(root), query=question, max_tokens=1500)
    assert any(f"only the first {QUESTION_LIMIT:,} are read" in note for note in result.notes)
