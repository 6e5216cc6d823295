"""Mask names that differ from the images' only by extension: a/ masks with no extension
(aurooj/Hand-Segmentation-in-the-Wild#4: "the filenames in vid6 contain the extension .png while
the ones in the other videos don't have any extension"); b/ images .png, masks .PNG (upper
case, a Windows/camera export); c/ images .JPG, masks .png in one folder as <stem>_mask.png.
DRIVE pixels, 0/255 vessels."""
import sys, os
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import *
pairs = drive_pairs(20)
for tag in "abc":
    root = case_dir(f"names/{tag}")
    os.makedirs(f"{root}/images"); os.makedirs(f"{root}/masks")
    for i, (im, m) in enumerate(pairs):
        mk = Image.fromarray(m.astype(np.uint8) * 255)
        if tag == "a":
            Image.fromarray(im).save(f"{root}/images/{i:03d}.png")
            mk.save(f"{root}/masks/{i:03d}", format="PNG")
        elif tag == "b":
            Image.fromarray(im).save(f"{root}/images/{i:03d}.png")
            mk.save(f"{root}/masks/{i:03d}.PNG", format="PNG")
        else:
            Image.fromarray(im).save(f"{root}/images/IMG_{i:03d}.JPG", format="JPEG", quality=95)
            mk.save(f"{root}/images/IMG_{i:03d}_mask.png")
    print(tag, "vessels %.2f %%" % (100 * np.mean([m.mean() for _, m in pairs])))
