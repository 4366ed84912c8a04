#!/usr/bin/env python3
"""A quarter from entry to publication, end to end through the API, against a running demo with mail.

    python3 -m aiosmtpd -n -l 127.0.0.1:2526 -c aiosmtpd.handlers.Mailbox /tmp/maildir &
    swift run shinchoku-server --demo --port 8080 --smtp-url smtp://127.0.0.1:2526 > demo.out &
    python3 docs/examples/publication-walkthrough.py http://127.0.0.1:8080 demo.out /tmp/maildir

The admin opens 2021Q3; every department's clerk saves and submits its figures and narratives; the approver
returns one and approves all; the last approval publishes edition 1 (checked within 2 s); a correction publishes
edition 2 with its 正誤表; the loopback SMTP server receives the 提出, 差戻し and 公表 mails. Only the standard
library. Prints each step and exits 1 at the first failure. Run it on a fresh demo (it creates 2021Q3).
"""
import email, email.header, json, mailbox, re, sys, time, urllib.error, urllib.request

base, stdout_file, maildir = sys.argv[1], sys.argv[2], sys.argv[3]
P = "2021Q3"

def call(method, path, token=None, body=None, raw=False):
    req = urllib.request.Request(base + path, method=method)
    if token: req.add_header("Authorization", "Bearer " + token)
    data = None
    if body is not None:
        data = json.dumps(body).encode(); req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, data) as r:
            b = r.read(); return r.status, (b if raw else (json.loads(b) if b else None)), r.headers
    except urllib.error.HTTPError as e:
        b = e.read(); return e.code, (b if raw else (json.loads(b) if b else None)), e.headers

def ok(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: sys.exit(1)

# The demo prints its accounts: login, role, department, password.
accounts = {}
for line in open(stdout_file, encoding="utf-8"):
    m = re.match(r"\s+([a-z0-9_.-]+)\s+(clerk|approver|admin)\s+(\S+)\s+(\S+)\s*$", line)
    if m: accounts[m.group(1)] = (m.group(2), m.group(3), m.group(4))
ok("admin" in accounts and "planning" in accounts, f"demo accounts parsed ({len(accounts)})")

def login(name):
    s, b, _ = call("POST", "/api/v1/sessions", body={"login": name, "password": accounts[name][2]})
    assert s == 201, (name, s, b); return b["token"]

admin, approver = login("admin"), login("planning")
s, b, _ = call("POST", "/api/v1/admin/periods", admin, {"period": P, "due_on": "2022-01-31"})
ok(s == 201, f"admin creates {P}: {s}")
s, b, _ = call("POST", f"/api/v1/admin/periods/{P}/open", admin)
ok(s == 200 and b["state"] == "open", f"admin opens {P}")

s, projects, _ = call("GET", "/api/v1/projects", admin)
s, q1, _ = call("GET", "/api/v1/periods/2021Q1/figures", admin)
previous = {f["indicator"]: f for f in q1}
clerks = {}
def clerk(dept):
    if dept not in clerks: clerks[dept] = login(dept)
    return clerks[dept]

items = []  # (kind, code, dept, version)
for p in projects:
    dept = p["department"]["code"]
    t = clerk(dept)
    for i in p["indicators"]:
        prev = previous.get(i["code"])
        if prev and prev.get("status") == "reported" and prev.get("value") is not None:
            body = {"value": prev["value"], "status": "reported", "note": None}
        else:
            body = {"value": None, "status": "not_available", "note": "集計中のため"}
        s, f, _ = call("PUT", f"/api/v1/periods/{P}/figures/{i['code']}", t, body)
        assert s in (200, 201), (i["code"], s, f)
        s, f, _ = call("POST", f"/api/v1/periods/{P}/figures/{i['code']}/submit", t, {"version": f["version"]})
        assert s == 200 and f["state"] == "submitted", (i["code"], s, f)
        items.append(("figures", i["code"], dept, f["version"]))
    s, n, _ = call("PUT", f"/api/v1/periods/{P}/narratives/{p['code']}", t,
                   {"progress": "■計画どおり進捗している。", "outlook": "■引き続き取り組む。"})
    assert s in (200, 201), (p["code"], s, n)
    s, n, _ = call("POST", f"/api/v1/periods/{P}/narratives/{p['code']}/submit", t, {"version": n["version"]})
    assert s == 200, (p["code"], s, n)
    items.append(("narratives", p["code"], dept, n["version"]))
ok(True, f"clerks saved and submitted {len(items)} items through the API")

# One return first, so that a 差戻し mail goes out; the clerk corrects and submits again.
kind, code, dept, version = items[0]
s, f, _ = call("POST", f"/api/v1/periods/{P}/{kind}/{code}/return", approver, {"version": version, "reason": "根拠資料を確認してください"})
ok(s == 200 and f["state"] == "returned", f"approver returns {code}")
s, f, _ = call("POST", f"/api/v1/periods/{P}/{kind}/{code}/submit", clerk(dept), {"version": f["version"]})
ok(s == 200, f"clerk submits {code} again")
items[0] = (kind, code, dept, f["version"])

for kind, code, dept, version in items[:-1]:
    s, f, _ = call("POST", f"/api/v1/periods/{P}/{kind}/{code}/approve", approver, {"version": version})
    assert s == 200, (code, s, f)
s, _, _ = call("GET", f"/published/{P}", raw=True)
ok(s == 404, f"/published/{P} is 404 before the last approval")
kind, code, dept, version = items[-1]
s, f, _ = call("POST", f"/api/v1/periods/{P}/{kind}/{code}/approve", approver, {"version": version})
t0 = time.monotonic()
ok(s == 200, f"the last approval ({code})")
while True:
    s, page, h = call("GET", f"/published/{P}", raw=True)
    if s == 200 or time.monotonic() - t0 > 10: break
    time.sleep(0.05)
elapsed = time.monotonic() - t0
ok(s == 200 and elapsed <= 2.0, f"/published/{P} serves edition 1 after {elapsed:.2f} s")
s, e1, h1 = call("GET", f"/published/{P}/editions/1.html", raw=True)
ok(s == 200 and "immutable" in h1.get("Cache-Control", "") and h1.get("ETag"), f"edition 1: {h1.get('ETag')} {h1.get('Cache-Control')}")

# A correction: reopen one reported figure, change it, submit, approve → edition 2 with its 正誤表.
target = next(c for k, c, d, v in items if k == "figures" and previous.get(c, {}).get("status") == "reported")
dept = next(d for k, c, d, v in items if c == target)
s, f, _ = call("GET", f"/api/v1/periods/{P}/figures/{target}", approver)
s, f, _ = call("POST", f"/api/v1/periods/{P}/figures/{target}/reopen", approver, {"version": f["version"], "reason": "集計誤りのため訂正"})
ok(s == 200, f"approver reopens {target}: {s}")
old = f["value"]
new = str(int(float(old)) + 1) if "." not in old else old + "1"
s, f, _ = call("PUT", f"/api/v1/periods/{P}/figures/{target}", clerk(dept), {"value": new, "status": "reported", "note": "訂正", "version": f["version"]})
ok(s == 200, f"clerk corrects {target}: {old} → {new}")
s, f, _ = call("POST", f"/api/v1/periods/{P}/figures/{target}/submit", clerk(dept), {"version": f["version"]})
s, f, _ = call("POST", f"/api/v1/periods/{P}/figures/{target}/approve", approver, {"version": f["version"]})
ok(s == 200, "approver approves the correction")
t0 = time.monotonic()
while True:
    s, e2, h2 = call("GET", f"/published/{P}/editions/2.html", raw=True)
    if s == 200 or time.monotonic() - t0 > 10: break
    time.sleep(0.1)
text = e2.decode("utf-8") if s == 200 else ""
ok(s == 200 and "正誤表" in text and target in text and "集計誤りのため訂正" in text, f"edition 2 with its 正誤表 after {time.monotonic() - t0:.2f} s")
s, again, _ = call("GET", f"/published/{P}/editions/1.html", raw=True)
ok(again == e1, "edition 1 unchanged")

# Mail: submitted, returned and published reached the loopback SMTP server.
deadline = time.monotonic() + 60
def subjects():
    out = []
    for m in mailbox.Maildir(maildir, create=False):
        out.append(str(email.header.make_header(email.header.decode_header(m["Subject"]))))
    return out
while time.monotonic() < deadline:
    subs = subjects()
    want = {"提出": any("提出" in x for x in subs), "差戻し": any("差戻" in x for x in subs), "公表": any("公表" in x for x in subs)}
    if all(want.values()): break
    time.sleep(1)
ok(all(want.values()), f"mails received: {want} ({len(subs)} in all)")
for x in sorted(set(subs))[:6]: print("     ", x)
print("DONE")
