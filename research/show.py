#!/usr/bin/env python3
"""show.py CASE/out_TAG.json [ids to expand... | all]: headline, rc, findings (id, severity, title); full text of ids given."""
import json, sys, textwrap
p = sys.argv[1]
err = open(p + ".err").read().strip()
try:
    d = json.load(open(p))
except Exception:
    print("NO JSON; stderr:", err[-1500:]); sys.exit()
print("HEADLINE:", d.get("headline")); print("stderr/rc:", err.splitlines()[-3:])
for f in d["findings"]:
    print(f"  {f['severity'].upper():8s} {f['id']:32s} {f['title']}")
for f in d["findings"]:
    if f["id"] in sys.argv[2:] or "all" in sys.argv[2:]:
        print("\n##", f["id"]); print(textwrap.fill(f["explanation"], 150)); print("FIX:", textwrap.fill(f["fix"], 150))
        print("EVIDENCE:", json.dumps(f["evidence"])[:1200])
