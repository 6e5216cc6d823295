"""Soft / probability masks: a/ float32 TIFF probability maps in [0, 1] (blurred vessel masks,
as pseudo-labels or CAMs are saved); b/ the same as .npy (psa's CAM output);
c/ uint8 PNG of the probability * 255. Source: jiwoon-ahn/psa#23 ("segmentation masks that I've
made running your code gives me .npy format files and it seems like probability value is
assigned to each of the location(pixel)"); baidu-research/NCRF#7 (probability maps).
DRIVE pixels; true vessel share and share of p > 0.5 printed."""
import sys, os
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import *
from scipy import ndimage
pairs = drive_pairs(20)
stats = []
for tag in "abc":
    root = case_dir(f"soft_prob/{tag}")
    os.makedirs(f"{root}/images"); os.makedirs(f"{root}/masks")
    for i, (im, m) in enumerate(pairs):
        Image.fromarray(im).save(f"{root}/images/{i:03d}.png")
        p = np.clip(ndimage.gaussian_filter(m.astype(np.float32), 1.2) * 1.6, 0, 1).astype(np.float32)
        if tag == "a":
            Image.fromarray(p, mode="F").save(f"{root}/masks/{i:03d}.tif")
        elif tag == "b":
            np.save(f"{root}/masks/{i:03d}.npy", p)
        else:
            Image.fromarray((p * 255).round().astype(np.uint8)).save(f"{root}/masks/{i:03d}.png")
        if tag == "a":
            stats.append((m.mean(), (p > 0.5).mean(), (p > 0).mean()))
s = np.mean(stats, 0)
print("true %.2f %%, p>0.5 %.2f %%, p>0 %.2f %%" % tuple(100 * s))
