"""Per-pair turn scores on DRIVE / ISBI 2012 (and copies): each pair as stored and with its
mask turned; the per-file rule's numbers (gain of the turned-back variant over the best
unturned shift and every other turn; its score; the stored score's share of it)."""
import sys
import numpy as np
sys.path.insert(0, "research/offset2")
from measure import pairs, variant
from unetdiag.diag.audit.alignment import measure_alignment, ORIENTATIONS

TURNS = {"rotated_180": lambda m: m[::-1, ::-1], "rotated_90_ccw": lambda m: np.rot90(m, 1),
         "rotated_90_cw": lambda m: np.rot90(m, -1), "transposed": lambda m: m.T,
         "flipped_vertical": lambda m: m[::-1]}

def own(a):
    d = a._asdict()
    rows = []
    for k in ORIENTATIONS:
        others = [d[o] for o in ORIENTATIONS if o != k] + [d["best"]]
        gain = d[k] - np.nanmax(others)
        rows.append((gain, k, d[k], d["aligned"] / d[k] if d[k] > 0 else np.nan))
    return max(rows, key=lambda r: np.nan_to_num(r[0], nan=-9))

name, kind = sys.argv[1], sys.argv[2]
data = [variant(i, m, kind) for i, m in pairs(name, kind)]
stored = [own(measure_alignment(img, "RGB", m)) for img, m in data]
g = np.array([s[0] for s in stored]); sc = np.array([s[2] for s in stored])
print(f"{name} {kind} stored: top turn gain max {np.nanmax(g):.3f} (score {sc[np.nanargmax(g)]:.2f}); gain>=0.05: {int(np.sum(g>=0.05))}")
for t, f in TURNS.items():
    if f(data[0][1]).shape != data[0][1].shape:
        continue
    res = [own(measure_alignment(img, "RGB", f(m))) for img, m in data]
    ok = [r for r in res if r[1] == t]
    g = np.array([r[0] for r in ok]); sc = np.array([r[2] for r in ok]); sh = np.array([r[3] for r in ok])
    print(f"  {t}: right kind {len(ok)}/{len(res)} gain {g.min():.3f}..{g.max():.3f} score {sc.min():.2f}..{sc.max():.2f} stored share {np.nanmin(sh):.2f}..{np.nanmax(sh):.2f}")
