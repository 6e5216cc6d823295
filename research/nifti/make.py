"""Medical Segmentation Decathlon layout: imagesTr/*.nii.gz, labelsTr/*.nii.gz, imagesTs/,
dataset.json (3-D volumes). Sources: microsoft/InnerEye-DeepLearning#722 (nifti labels);
MIC-DKFZ/nnUNet dataset format; chaoyi-wu/RadFM#37 ("for 3D cases we use nifty by default").
Minimal NIfTI-1 files (348-byte header + data) from ISBI slices stacked."""
import sys, os, struct, gzip, json
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import *
def nii(path, vol):
    z, y, x = vol.shape
    hdr = bytearray(348); struct.pack_into("<i", hdr, 0, 348)
    struct.pack_into("<8h", hdr, 40, 3, x, y, z, 1, 1, 1, 1)
    struct.pack_into("<hh", hdr, 70, 2, 8)  # uint8
    struct.pack_into("<8f", hdr, 76, 1, 1, 1, 1, 1, 1, 1, 1)
    struct.pack_into("<f", hdr, 108, 352.0); hdr[344:348] = b"n+1\0"
    with gzip.open(path, "wb") as f:
        f.write(bytes(hdr) + b"\0" * 4 + np.ascontiguousarray(vol.transpose(0, 1, 2)).tobytes())
root = case_dir("nifti/Task99_Cells")
for d in ("imagesTr", "labelsTr", "imagesTs"): os.makedirs(f"{root}/{d}")
pairs = isbi_pairs(20, size=64)
for c in range(4):
    g = np.stack([p[0] for p in pairs[c * 5:(c + 1) * 5]]); m = np.stack([p[1] for p in pairs[c * 5:(c + 1) * 5]]).astype(np.uint8)
    nii(f"{root}/imagesTr/cells_{c:03d}.nii.gz", g); nii(f"{root}/labelsTr/cells_{c:03d}.nii.gz", m)
json.dump({"name": "Cells", "labels": {"0": "background", "1": "cell"}}, open(f"{root}/dataset.json", "w"))
print("done")
