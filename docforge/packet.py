"""The packet model of a bundle run: its options, the packets and their documents, the run's
totals and report, a packet's key and its ``.done`` record. What a bundle folder holds is named
here, so that :mod:`docforge.verify` reads a bundle without the run's machinery."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError
from .fsutil import sha256_bytes, sha256_file
from .i18n import _
from .models import Household

MANIFEST = "manifest.json"
#: The manifest's own sha256, beside it (``sha256sum -c`` reads it): `verify` detects an edited
#: manifest. It proves integrity (nothing changed by accident or by a careless hand), not
#: authenticity: whoever edits the manifest can write a new hash too.
MANIFEST_HASH = "manifest.json.sha256"
DONE = ".done"
TMP_PREFIX = ".tmp-"
OLD_PREFIX = ".old-"
MANIFEST_FORMAT = 2
FORMATS = ("docx", "pdf")
ADOPTION_SHEET = "adoption-sheet"
#: How a packet's PDF is made, in its key: 2 = each agreement converted once, copy marks stamped;
#: 3 = a conversion group's agreements of one template converted as one document
#: (docs/benchmarks.md); a packet of an earlier run made otherwise is built again.
PDF_ASSEMBLY = 3
#: Documents converted per LibreOffice round: a finished round's packets survive an interruption.
ROUND_SIZE = 200
#: Households (of those that sign an agreement) in a PDF run's conversion group, on average; a
#: group has at most `GROUP_MAX`. The agreements of one template in a group are converted as one
#: document (:mod:`docforge.render.batch`), so a packet's PDF bytes (its fonts' subsets) depend on
#: its group, and a group is built whole (see `ends_group`, `group_keys`).
GROUP = 40
GROUP_MAX = 4 * GROUP


@dataclass
class InputFile:
    """An input file of the run, as the manifest records it."""

    role: str  # village / roster / household
    path: str
    sha256: str
    household: str | None = None

    @classmethod
    def of(cls, role: str, path: Path, household: str | None = None) -> InputFile:
        return cls(role, str(path), sha256_file(path), household)

    def as_dict(self) -> dict[str, Any]:
        d = {"role": self.role, "path": self.path, "sha256": self.sha256}
        if self.household is not None:
            d["household"] = self.household
        return d


@dataclass
class HouseholdSource:
    """A household of the run and where it came from: its own file, or a row of the roster."""

    household: Household
    input: InputFile | None = None
    row: int | None = None


@dataclass
class Item:
    """One DOCX of a packet: a document, or one copy of an agreement."""

    stem: str  # file name without .docx, unique in its packet
    kind: str  # charter, convention, adoption-sheet, contraception, …
    title: str  # the packet outline's entry
    data: bytes  # the rendered DOCX
    holder: str | None = None  # who keeps this copy (甲方, 乙方, 县公证处 …)
    copy: int | None = None  # 1-based copy number
    #: Its signature places, label -> role (from the document's signature lines).
    signs: dict[str, str] = field(default_factory=dict)
    #: For the PDF, when this copy's pages are not converted from its own DOCX: the staged DOCX
    #: (in `Packet.conversions`) converted once for all copies of the agreement, and the staged
    #: stamp of its copy mark (see :mod:`docforge.stamps`).
    pdf_source: str | None = None
    stamp: str | None = None


@dataclass
class Packet:
    name: str  # path relative to the bundle: "village", "households/001"
    title: str
    items: list[Item]
    inputs: list[InputFile]
    household: str | None = None
    key: str = ""
    #: DOCX files staged for the PDF only (not part of the packet): file name -> bytes.
    conversions: dict[str, bytes] = field(default_factory=dict)
    #: The conversion group it is converted with (a PDF run's households; see `ends_group`).
    group: int | None = None

    @property
    def tmp_name(self) -> str:
        return TMP_PREFIX + self.name.replace("/", "-")

    def entry(self) -> dict[str, Any]:
        """The manifest's ``packets`` entry."""
        return {"name": self.name, "household": self.household, "title": self.title, "key": self.key}


@dataclass
class BundleOptions:
    """How a bundle is written: the same for every village of a run (the CLI builds it)."""

    as_of: dt.date
    formats: tuple[str, ...] = FORMATS
    draft: bool = False
    sign_fields: bool = False
    jobs: int = 1
    timeout: float | None = None
    round_size: int = ROUND_SIZE
    compare_from: dt.date | None = None  # the village packet gets the 修订对照表 from this date's text

    def __post_init__(self) -> None:
        formats = tuple(f for f in FORMATS if f in set(self.formats))
        unknown = set(self.formats) - set(FORMATS)
        if unknown or not formats:
            raise InputError(_("--format: unknown or empty format list {formats}; give one or both of {known}, "
                               "e.g. --format docx,pdf", formats=repr(",".join(self.formats)), known=", ".join(FORMATS)))
        self.formats = formats
        if self.jobs < 1:
            raise InputError(_("--jobs must be at least 1"))
        if self.round_size < 1:
            raise InputError(_("the round size must be at least 1"))
        if self.compare_from is not None and self.compare_from >= self.as_of:
            raise InputError(_("--compare-from {compare_from} must be before --as-of {as_of}: it is the date of "
                               "the text being revised", compare_from=self.compare_from.isoformat(),
                               as_of=self.as_of.isoformat()))

    @property
    def pdf(self) -> bool:
        return "pdf" in self.formats

    @property
    def docx(self) -> bool:
        return "docx" in self.formats


@dataclass
class Totals:
    """Counts of a run, for the manifest, the closing summary and the county summary."""

    households: int = 0  # households of the run (skipped rows not counted)
    packets: int = 0  # the village's and one per household that signs an agreement
    documents: int = 0  # DOCX documents, each copy counted
    pages: int = 0  # pages of the packets' PDFs
    files: int = 0  # files the manifest lists
    warnings: int = 0  # distinct warnings (documents and roster)
    skipped_rows: int = 0
    built: int = 0  # packets this run built (the others an earlier run had finished)
    finished: int = 0

    #: What the manifest records: the same for a fresh and a resumed run.
    RECORDED = ("households", "packets", "documents", "pages", "files", "warnings", "skipped_rows")

    def recorded(self, pdf: bool) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.RECORDED}
        if not pdf:
            d["pages"] = None
        return d

    def add(self, other: Totals) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class BundleReport:
    """What a run did. The manifest itself is on disk (``manifest``) and is not kept in memory."""

    out: Path
    totals: Totals
    warnings: list[dict[str, Any]]  # distinct warnings of the documents, with the households counted
    skipped: list[dict[str, Any]]  # roster rows left out (--skip-bad-rows)
    roster: dict[str, Any] | None = None  # the roster's summary and warnings
    village: str = ""

    @property
    def manifest(self) -> dict[str, Any]:
        """``manifest.json``, read whole (for small bundles and tests)."""
        return json.loads((self.out / MANIFEST).read_text(encoding="utf-8"))


def packet_key(packet: Packet, options: BundleOptions, common: dict[str, Any]) -> str:
    """A hash of what the packet is made of: versions, plugins, options, inputs, title, DOCX bytes."""
    import pypdf

    record = {
        "docforge": __version__, "pypdf": pypdf.__version__, **common,
        "formats": list(options.formats), "draft": options.draft, "sign_fields": options.sign_fields,
        "pdf_assembly": PDF_ASSEMBLY,
        "inputs": [i.as_dict() for i in packet.inputs], "title": packet.title,
        "items": [[i.stem, i.kind, i.title, i.holder, sha256_bytes(i.data)] for i in packet.items],
    }
    return sha256_bytes(json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def ends_group(household: str, size: int) -> bool:
    """Whether a conversion group of ``size`` households ends with ``household``: after a household
    whose id hashes to a multiple of `GROUP` (so a household added or removed changes its own
    group only), or at `GROUP_MAX` households."""
    return int(sha256_bytes(household.encode("utf-8"))[:8], 16) % GROUP == 0 or size >= GROUP_MAX


def group_keys(keys: list[str]) -> list[str]:
    """The keys of a conversion group's packets, from each packet's own key: each also holds the
    whole group's, so that a packet is built again when any packet of its group changes, or the
    group's households do (a fresh run would convert it with other documents)."""
    group = sha256_bytes("\n".join(keys).encode("ascii"))
    return [sha256_bytes(f"{key}\n{group}".encode("ascii")) for key in keys]


# --------------------------------------------------------------------------- done records


def read_done(packet_dir: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((packet_dir / DONE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def packet_is_done(out: Path, packet: Packet) -> dict[str, Any] | None:
    """The packet's ``.done`` record if its directory is finished with the same key and its files
    are exactly those the record lists, unchanged; otherwise None."""
    pdir = out / packet.name
    record = read_done(pdir)
    if not record or record.get("key") != packet.key:
        return None
    files = record.get("files") or []
    names = {Path(f["path"]).name for f in files}
    present = {p.name for p in pdir.iterdir() if p.name != DONE}
    if names != present:
        return None
    for f in files:
        if sha256_file(out / f["path"]) != f["sha256"]:
            return None
    return record


def record_pages(record: dict[str, Any]) -> int:
    """The pages of a packet's PDF, from its ``.done`` record (0 without PDF)."""
    return sum(f["pages"] or 0 for f in record.get("files", []) if f.get("kind") == "packet")
