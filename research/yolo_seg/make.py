"""YOLO segmentation layout: images/{train,val}/*.png with labels/{train,val}/*.txt polygons
("class x1 y1 x2 y2 ..." normalised), data.yaml. Sources: ultralytics/ultralytics#21800
("The default label for YOLO11 segmentation model is in txt format. Can the label be in png image
format like UNet"); ultralytics/yolov5#9549 (glenn-jocher: "segmentation annotations are
`class x1 y1 x2 y2 x3 y3, ...`"). Ellipses on DRIVE pixels."""
import sys, os
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import *
root = case_dir("yolo_seg/ds")
r = rng(1)
imgs = drive_images(20)
for split, idx in (("train", range(16)), ("val", range(16, 20))):
    os.makedirs(f"{root}/images/{split}"); os.makedirs(f"{root}/labels/{split}")
    for i in idx:
        Image.fromarray(imgs[i]).save(f"{root}/images/{split}/{i:03d}.png")
        lines = []
        for _ in range(r.integers(1, 4)):
            cy, cx, ay, ax = r.uniform(0.3, 0.7), r.uniform(0.3, 0.7), r.uniform(0.05, 0.2), r.uniform(0.05, 0.2)
            t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
            pts = np.stack([cx + ax * np.cos(t), cy + ay * np.sin(t)], -1).ravel()
            lines.append("0 " + " ".join(f"{v:.6f}" for v in pts))
        open(f"{root}/labels/{split}/{i:03d}.txt", "w").write("\n".join(lines) + "\n")
open(f"{root}/data.yaml", "w").write("path: ds\ntrain: images/train\nval: images/val\nnames:\n  0: object\n")
print("done")
