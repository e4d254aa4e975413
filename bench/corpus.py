"""A synthetic corpus: N reports in the agencies' common layout, deterministic from a seed.

`python -m bench corpus --scale N --seed S --out DIR` writes N reports (SLUG.md + SLUG.yaml)
with the layout of sources/iom-bpoa-review.md: a title naming the organisation,
`Commitment N: title` headings, bold-bullet actions, place headings, paragraphs cut by page
breaks, superscript footnotes. Each report is about the bundled one's size (some 140
passages, 50 outcomes), so scale N is N times it. The same seed writes the same bytes.

Word lists and templates are data (bench/corpus_data.yaml); the countries are the LDCs of
ontology/vocab (poa:isLDC). The reports are SYNTHETIC: real agency names, invented facts.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from poagraph import paths

DATA = Path(__file__).with_name("corpus_data.yaml")

#: Paragraphs under each place heading, and outcome sentences per paragraph, tuned so that
#: one report is about the bundled report's size (140 passages, 50 outcomes).
PARAGRAPHS = 136
OUTCOMES = 50
SCAR_SHARE = 0.08
FOOTNOTES = (2, 4)
SUPERSCRIPTS = "¹²³⁴⁵⁶⁷⁸⁹"

YAML_HEADER = (
    "# A SYNTHETIC report written by bench/corpus.py (seed {seed}): the agencies' layout,\n"
    "# a real agency's name, invented activities and figures.\n"
)


def load_data() -> dict:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def ldc_countries() -> list[str]:
    """The English labels of the LDCs in ontology/vocab, sorted (so the order is stable)."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(paths.VOCAB / "countries.ttl"), format=ox.RdfFormat.TURTLE)
    query = (
        "PREFIX poa: <https://w3id.org/poagraph/ontology#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?l WHERE { ?c poa:isLDC true ; rdfs:label ?l FILTER(lang(?l) = 'en') }"
    )
    return sorted({row[0].value for row in store.query(query)})


@dataclass
class Writer:
    """One report's state: its random stream, agency, programmes and footnotes."""

    rng: random.Random
    data: dict
    countries: list[str]
    org: str
    year: int
    programmes: list[tuple[str, str]] = field(default_factory=list)
    introduced: set[str] = field(default_factory=set)
    footnotes: int = 0
    outcome_at: set[int] = field(default_factory=set)  #: the paragraphs that state a result
    paragraphs: int = 0

    def programme(self) -> str:
        name, acronym = self.rng.choice(self.programmes)
        if name in self.introduced:
            return self.rng.choice([acronym, name])
        self.introduced.add(name)
        return f"{name} ({acronym})"

    def number(self) -> str:
        if self.rng.random() < 0.25:
            return self.rng.choice(self.data["number_words"])
        n = self.rng.choice([self.rng.randint(12, 990), self.rng.randint(1000, 95000)])
        return f"{n:,}"

    def money(self) -> str:
        amount = self.rng.choice([f"{self.rng.randint(1, 40)}", f"{self.rng.randint(10, 99) / 10}"])
        return self.rng.choice(self.data["money"]).format(amount=amount)

    def fill(self, template: str) -> str:
        rng = self.rng
        count = rng.choice(self.data["counts"])
        partner = rng.choice(self.data["partners"])
        values = {
            "org": self.org,
            "partner": partner,
            "partner_cap": partner[0].upper() + partner[1:],
            "year0": str(self.year - rng.randint(2, 4)),
            "year": str(self.year - rng.randint(0, 1)),
            "year_next": str(self.year + rng.randint(1, 3)),
            **count,
        }
        if "{prog}" in template:
            values["prog"] = self.programme()
        if "{n}" in template:
            values["n"] = self.number()
        if "{money}" in template:
            values["money"] = self.money()
        sentence = template.format(**values)
        return sentence[0].upper() + sentence[1:]

    def outcome(self) -> str:
        kind = self.rng.choices(["achieved", "planned", "money"], weights=[6, 2, 2])[0]
        return self.fill(self.rng.choice(self.data["outcomes"][kind]))

    def paragraph(self, place: str | None) -> list[str]:
        """A paragraph's blocks: one, or several when a page break (and footnote) cut it."""
        rng = self.rng
        sentences = [self.fill(t) for t in rng.sample(self.data["context"], rng.randint(1, 3))]
        if place:
            first = sentences[0]
            first = first[0].lower() + first[1:] if first[1:2].islower() else first
            sentences[0] = f"In {place}, {first}"
        self.paragraphs += 1
        if self.paragraphs in self.outcome_at:
            sentences.insert(rng.randint(1, len(sentences)), self.outcome())
        text = " ".join(sentences)
        if rng.random() < SCAR_SHARE:
            return self.scar(text)
        return [text]

    def scar(self, text: str) -> list[str]:
        """Cut `text` by a page break between two words, inside the last sentence; with a
        footnote at the foot of the page when the report has footnotes left to place."""
        words = text.split(" ")
        start = max(
            (i for i, w in enumerate(words) if w.endswith(".") and i < len(words) - 1), default=-1
        )
        cuts = [i for i in range(start + 2, len(words) - 1) if words[i + 1][:1].islower()]
        if not cuts:
            return [text]
        cut = self.rng.choice(cuts)
        head, tail = " ".join(words[: cut + 1]), " ".join(words[cut + 1 :])
        if self.footnotes < len(SUPERSCRIPTS) and self.rng.random() < 0.5:
            mark = SUPERSCRIPTS[self.footnotes]
            self.footnotes += 1
            note = self.rng.choice(self.data["footnotes"])
            return [head + mark, f"{mark} {note}", tail]
        return [head, tail]

    def place(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.1:
            return rng.choice(self.data["regions"])
        if roll < 0.25:
            a, b = rng.sample(self.countries, 2)
            return f"{a} and {b}"
        return rng.choice(self.countries)


def programmes(rng: random.Random, data: dict, count: int) -> list[tuple[str, str]]:
    parts = data["programme"]
    seen: dict[str, str] = {}
    while len(seen) < count:
        words = [rng.choice(parts["adjective"]), rng.choice(parts["domain"])]
        name = " ".join([*words, rng.choice(parts["kind"])])
        acronym = "".join(w[0] for w in name.split())
        if name not in seen and acronym not in seen.values():
            seen[name] = acronym
    return sorted(seen.items())


def report(seed: int, index: int, data: dict, countries: list[str]) -> tuple[str, dict]:
    """One report's text and metadata."""
    rng = random.Random(f"poagraph-corpus:{seed}:{index}")
    agency = data["agencies"][index % len(data["agencies"])]
    org = agency["acronym"]
    year = rng.randint(2006, 2010)
    w = Writer(rng, data, rng.sample(countries, rng.randint(12, 20)), org, year)
    w.programmes = programmes(rng, data, rng.randint(8, 12))
    w.outcome_at = set(rng.sample(range(1, PARAGRAPHS + 1), OUTCOMES))
    blocks = [
        "",
        "Global review of the implementation of the Programme of Action for\n"
        "the LDCs for the decade 2001-2010",
        f"**Report on {org} contribution to the implementation of the Programme\nof Action**",
    ]
    chosen = sorted(rng.sample(sorted(data["commitments"]), rng.randint(4, 6)))
    slots = [(c, a) for c in chosen for a in data["commitments"][c]["actions"]]
    per_slot = [PARAGRAPHS // len(slots)] * len(slots)
    for i in range(PARAGRAPHS % len(slots)):
        per_slot[i] += 1
    current = None
    for (number, action), budget in zip(slots, per_slot, strict=True):
        if number != current:
            current = number
            blocks.append(f"Commitment {number}: {data['commitments'][number]['title']}")
        bullet = rng.choice(["-", "▪"])
        blocks.append(f"{bullet} **{action}**")
        if rng.random() < 0.4 and budget > 2:
            blocks.append("General activities")
            first = agency["name"] not in w.introduced
            opening = f"The {agency['name']} ({org}) " if first else f"{org} "
            blocks.append(opening + "supports this commitment through its country offices.")
            w.introduced.add(agency["name"])
            budget -= 1
        while budget > 0:
            blocks.append(w.place())
            here = min(budget, rng.randint(1, 3))
            for k in range(here):
                place = blocks[-1] if k == 0 and rng.random() < 0.5 else None
                blocks.extend(w.paragraph(place if place and " and " not in place else None))
            budget -= here
    slug = f"{org.lower()}-synthetic-{seed}-{index + 1:03d}"
    meta = {
        "slug": slug,
        "title": f"Synthetic report on {org} contribution to the Programme of Action ({index + 1})",
        "organisation": org,
        "programme_of_action": "bpoa",
        "year": year,
        "language": "en",
    }
    return "\n\n".join(blocks) + "\n", meta


def generate(scale: int, seed: int, out: Path) -> list[Path]:
    """Write `scale` reports (SLUG.md + SLUG.yaml) into `out`; the report paths."""
    data, countries = load_data(), ldc_countries()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(scale):
        text, meta = report(seed, index, data, countries)
        md = out / f"{meta['slug']}.md"
        md.write_bytes(text.encode("utf-8"))
        header = YAML_HEADER.format(seed=seed)
        body = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
        md.with_suffix(".yaml").write_bytes((header + body).encode("utf-8"))
        written.append(md)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench corpus", description=__doc__)
    parser.add_argument("--scale", type=int, default=1, help="reports to write (1 = bundled size)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    written = generate(args.scale, args.seed, args.out)
    print(f"wrote {len(written)} reports to {args.out}")
    return 0
