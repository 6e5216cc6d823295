"""PASCAL VOC 2012 layout: JPEGImages/ (every image, 30 here), SegmentationClass/ (palette PNGs
for a subset, 20 here: class 15 'person' with a 255 void border 5 px wide... here 2 px),
SegmentationObject/, Annotations/*.xml, ImageSets/Segmentation/{train,val}.txt.
Source: captanlevi/Contour-Detection-Pytorch#19 ("the segmentation object folder contain just
2931 images ... Original images are around 17k"); pytorch/vision#37 (the lists in
ImageSets/Segmentation/*.txt). DRIVE pixels, vessel mask as the object."""
import sys, os
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import *
from scipy import ndimage
root = case_dir("voc/VOC2012")
for d in ("JPEGImages", "SegmentationClass", "SegmentationObject", "Annotations", "ImageSets/Segmentation"):
    os.makedirs(f"{root}/{d}")
pairs = drive_pairs(30)
pal = [0, 0, 0] * 256
pal[15 * 3:15 * 3 + 3] = [192, 128, 128]; pal[255 * 3:255 * 3 + 3] = [224, 224, 192]
names = [f"2007_{i:06d}" for i in range(30)]
for i, (im, m) in enumerate(pairs):
    Image.fromarray(im).save(f"{root}/JPEGImages/{names[i]}.jpg", quality=90)
    open(f"{root}/Annotations/{names[i]}.xml", "w").write(f"<annotation><filename>{names[i]}.jpg</filename></annotation>\n")
    if i < 20:
        lab = np.where(m, 15, 0).astype(np.uint8)
        ring = ndimage.binary_dilation(m, iterations=1) & ~ndimage.binary_erosion(m, iterations=1)
        lab[ring] = 255
        for d in ("SegmentationClass", "SegmentationObject"):
            p = Image.fromarray(lab if d == "SegmentationClass" else np.where(lab == 15, 1, lab).astype(np.uint8), mode="P")
            p.putpalette(pal); p.save(f"{root}/{d}/{names[i]}.png")
open(f"{root}/ImageSets/Segmentation/train.txt", "w").write("\n".join(names[:16]) + "\n")
open(f"{root}/ImageSets/Segmentation/val.txt", "w").write("\n".join(names[16:20]) + "\n")
print("20 of 30 images segmented")
