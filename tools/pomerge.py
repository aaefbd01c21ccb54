"""Git merge driver for docforge's message catalogs (``.gitattributes``; ``make setup`` registers it).

Entries are merged by message id: an entry new on either side is kept; a translation changed on one
side only wins over the common base; changed on both: ours is kept. An entry removed on their side
and unchanged on ours is dropped. Run ``make i18n`` after a merge: the catalogs then match the code
again, and ``tools/i18n.py --check`` (run by the tests) names any entry left to translate.

Usage (by git): ``python tools/pomerge.py BASE OURS THEIRS`` writes the result into OURS."""
import sys
from babel.messages.pofile import read_po, write_po

def load(p):
    with open(p, "rb") as f:
        return read_po(f, abort_invalid=False)

base, ours, theirs = (load(p) for p in sys.argv[1:4])
def key(m): return (m.id, m.context)
bmap = {key(m): m for m in base if m.id}
tmap = {key(m): m for m in theirs if m.id}
omap = {key(m): m for m in ours if m.id}
for k, t in tmap.items():
    if k in omap:
        o = omap[k]
        b = bmap.get(k)
        if b is not None and o.string == b.string and t.string != b.string:
            o.string = t.string
            o.flags = set(t.flags)
        elif not o.string or (isinstance(o.string, tuple) and not any(o.string)):
            o.string = t.string
            o.flags = set(t.flags)
    else:
        ours[t.id] = t  # new on their side
        m = ours[t.id]
        m.string = t.string
        m.flags = set(t.flags)
        m.locations = list(t.locations)
        m.auto_comments = list(t.auto_comments)
# deleted on their side and unchanged on ours: drop
for k, b in bmap.items():
    if k not in tmap and k in omap and omap[k].string == b.string:
        del ours[b.id]
with open(sys.argv[2], "wb") as f:
    write_po(f, ours, width=0, sort_output=True, omit_header=False, include_lineno=False)
