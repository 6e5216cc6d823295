"""Per-pair alignment numbers for DRIVE / ISBI 2012 (as published, JPEG q50, resized to 300 px)
with masks moved by 0, 2, 3 or 4 px: what the finer look sees. Prints one line per (set, shift)."""
import io, os, sys
import numpy as np
from PIL import Image
from unetdiag.diag.audit.alignment import measure_alignment, alignment_records, pair_offsets

D = "/work/shared/data"
SETS = {"drive": (f"{D}/drive_retina_vessels/images", f"{D}/drive_retina_vessels/masks"),
        "isbi": (f"{D}/isbi2012_em_membrane/images", f"{D}/isbi2012_em_membrane/masks")}

def pairs(name, kind=""):
    imgs, masks = SETS[name]
    if kind == "fov":
        masks = masks.replace("masks", "extra_fov_masks")
    for f in sorted(os.listdir(imgs)):
        stem = os.path.splitext(f)[0]
        m = [g for g in os.listdir(masks) if os.path.splitext(g)[0].replace("_manual1", "") == stem.replace("_training", "").replace("_test", "") or os.path.splitext(g)[0] == stem]
        if not m:
            continue
        yield Image.open(f"{imgs}/{f}").convert("RGB"), Image.open(f"{masks}/{m[0]}").convert("L")

def move(a, dy, dx):
    out = np.zeros_like(a)
    h, w = a.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = a[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out

def variant(img, msk, kind):
    if kind == "jpeg":
        b = io.BytesIO(); img.save(b, "JPEG", quality=50); img = Image.open(b).convert("RGB")
    if kind == "up2":
        img = img.resize((img.width * 2, img.height * 2), Image.BICUBIC); msk = msk.resize(img.size, Image.NEAREST)
    if kind == "crop":
        img = img.crop((7, 5, img.width - 9, img.height - 3)); msk = msk.crop((7, 5, msk.width - 9, msk.height - 3))
    if kind == "r300":
        img = img.resize((300, 300), Image.BILINEAR); msk = msk.resize((300, 300), Image.NEAREST)
    return np.asarray(img), np.asarray(msk) > 127

if __name__ == "__main__":
    name, kind = sys.argv[1], sys.argv[2]
    shifts = [tuple(int(v) for v in s.split(":")) if ":" in s else (int(s), int(s)) for s in sys.argv[3].split(",")]
    data = [variant(i, m, kind) for i, m in pairs(name, kind)]
    for s in shifts:
        rows = np.array([tuple(measure_alignment(img, "RGB", move(m, *s))) for img, m in data], np.float32)
        t = alignment_records(rows)
        o = pair_offsets(t)
        fy, fx = t["fine_shift_y"], t["fine_shift_x"]
        print(f"{name} {kind} shift {s}: n={len(data)} fine taken {np.sum(t['fine_scale']>0)} "
              f"coarse|sy| med {np.median(np.abs(t['shift_y'])):.2f} "
              f"fine y {np.nanmin(fy):.2f}..{np.nanmax(fy):.2f} x {np.nanmin(fx):.2f}..{np.nanmax(fx):.2f} "
              f"moved {int(o.moved.sum())} gain>=.05 {int(np.sum(np.nan_to_num(o.gain,nan=-1)>=.05))} "
              f"gain med {np.nanmedian(o.gain):.3f} fine_best-fine_al med {np.nanmedian(t['fine_best']-t['fine_aligned']):.3f} scale {int(t['scale'].max())} fine {int(t['fine_scale'].max())} fmax {np.nanmax(np.maximum(np.abs(fy),np.abs(fx))):.2f} n>=1.5 {int(np.sum(np.maximum(np.abs(fy),np.abs(fx))>=1.5))} n>=1.5&gain {int(np.sum((np.maximum(np.abs(fy),np.abs(fx))>=1.5)&(np.nan_to_num(o.gain,nan=-1)>=.05)))}")
        sys.stdout.flush()
