"""COCO-style release: images/ with annotations/instances_train.json (polygons), no mask files.
Source: ultralytics/yolov5#9549 ("these labels were produce by ... JSON2YOLO starting from COCO
JSON format segmentation labels"); wkentaro/labelme JSON. DRIVE pixels."""
import sys, os, json
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import *
root = case_dir("coco_json/ds")
os.makedirs(f"{root}/images"); os.makedirs(f"{root}/annotations")
imgs = drive_images(20)
coco = {"images": [], "annotations": [], "categories": [{"id": 1, "name": "object"}]}
for i, im in enumerate(imgs):
    Image.fromarray(im).save(f"{root}/images/{i:03d}.jpg")
    coco["images"].append({"id": i, "file_name": f"{i:03d}.jpg", "width": 96, "height": 96})
    coco["annotations"].append({"id": i, "image_id": i, "category_id": 1, "iscrowd": 0,
                                "segmentation": [[30, 30, 60, 30, 60, 60, 30, 60]], "bbox": [30, 30, 30, 30], "area": 900})
json.dump(coco, open(f"{root}/annotations/instances_train.json", "w"))
print("done")
