#!/usr/bin/env python3
"""book/booktool.py: the book's build steps besides Pandoc, and the one reader of the anchor
grammar (python3 standard library only). Run from the top of the tree: the command line uses
the current directory as the root; as a module every function that reads the tree takes the
root as its first argument (paths are relative to it: "steps/01-boot/main.c").

    booktool.py anchors FILE...       each file's marker lines, anchors and anchor errors (the
                                      include filter reads this: it has no parser of its own)
    booktool.py diff FROM TO FILE     diff -u of steps/FROM/FILE -> steps/TO/FILE, marker lines left out
    booktool.py stat FROM TO          diffstat of steps/FROM -> steps/TO
    booktool.py stepdiff FROM TO      diff -u of every file, marker lines left out (make diff)
    booktool.py files FROM TO         the files and directories a diffstat reads (for make)
    booktool.py merge OUT IN...       join the chapters' Pandoc ASTs (JSON) into one book
    booktool.py html OUT AST... -- PANDOC_OPTION...   the HTML book, one page per chapter
    booktool.py srcpages OUT USES...  one HTML page per source file, with line anchors (#L12)
    booktool.py print < IN > OUT      Pandoc's print HTML made light for WeasyPrint (see cmd_print)
    booktool.py coverage [-v] USES... per step: share of code lines, and of new code lines, shown
    booktool.py changes CHAPTER (N FROM PATH ANCHOR)...   the lines of listing N that changed
                                      since step FROM, and the listing that showed it before
    booktool.py exercises STEP        Markdown listing a step's exercises (EXERCISE: markers)
    booktool.py batch < REQUESTS      several diff, stat, files and exercises at once (see cmd_batch)

diff and stat print "ERROR: message" (and exit 0) when a step or file does not exist, so that the
include filter can report it in its own words.
"""

import os
import re
import sys

# The include filter runs this file a few times per chapter (anchors, changes, a batch), so
# the modules only some commands need are imported where they are used: each run costs about
# 70 ms of CPU (python3 -S) instead of 120.

# Paths in this module are relative to the top of the tree ("steps/01-boot/main.c"); `root`, the
# first argument of every function that reads the tree, is where that top is ("." from make,
# the tree the checks run in).


def top(root, path):
    return os.path.join(root, path)


STEP_DIR = re.compile(r"^\d\d-[\w.-]+$")

# The anchor grammar, written once (the include filter asks `booktool.py anchors` for every file
# it shows): a line holding `ANCHOR: name` or `ANCHOR_END: name`, wherever the text sits and in
# any comment syntax, is a marker line; names are ASCII letters, digits, `_`, `.` and `-`.
START = re.compile(r"ANCHOR:\s*([A-Za-z0-9_.-]+)", re.ASCII)
END = re.compile(r"ANCHOR_END:\s*([A-Za-z0-9_.-]+)", re.ASCII)


def is_marker(line):
    return bool(START.search(line) or END.search(line))


def steps(root):
    """Step directories (those with a Makefile), in order."""
    return sorted(d for d in os.listdir(top(root, "steps"))
                  if STEP_DIR.match(d) and os.path.isfile(top(root, os.path.join("steps", d, "Makefile"))))


def step_files(root, step):
    """Files of a step, relative to its directory, sorted; caches and hidden files aside."""
    base = top(root, os.path.join("steps", step))
    out = []
    for here, dirs, names in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for n in names:
            if n.startswith(".") or n.endswith((".pyc", "~")):
                continue
            out.append(os.path.relpath(os.path.join(here, n), base))
    return sorted(out)


def read_lines(root, path):
    """The file's lines, split at "\n" only (a "\r" before it dropped), as the filter reads them."""
    with open(top(root, path), encoding="utf-8", errors="replace", newline="") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def parse_anchors(root, path):
    """(marker line numbers, {name: (start_line, end_line)} of the well-formed anchors, sorted
    problems). A problem is the text every reader of the book's sources reports, naming the file
    and the lines: "anchor 'x' is unbalanced in F (ANCHOR: on line 7, no ANCHOR_END:)"."""
    starts, ends, markers = {}, {}, []
    for i, line in enumerate(read_lines(root, path), 1):
        m = START.search(line)
        if m:
            starts.setdefault(m.group(1), []).append(i)
            markers.append(i)
            continue
        m = END.search(line)
        if m:
            ends.setdefault(m.group(1), []).append(i)
            markers.append(i)
    good, problems = {}, []
    for name in sorted(set(starts) | set(ends)):
        s, e = starts.get(name, []), ends.get(name, [])
        at = ", ".join(map(str, s))
        if len(s) > 1:
            problems.append(f"anchor '{name}' is duplicated in {path} (ANCHOR: on lines {at})")
        elif len(e) > 1:
            problems.append(f"anchor '{name}' is duplicated in {path} "
                            f"(ANCHOR_END: on lines {', '.join(map(str, e))})")
        elif not s:
            problems.append(f"anchor '{name}' is unbalanced in {path} (ANCHOR_END: on line {e[0]}, no ANCHOR:)")
        elif not e:
            problems.append(f"anchor '{name}' is unbalanced in {path} (ANCHOR: on line {s[0]}, no ANCHOR_END:)")
        elif e[0] < s[0]:
            problems.append(f"anchor '{name}' is unbalanced in {path} "
                            f"(ANCHOR_END: on line {e[0]} before ANCHOR: on line {s[0]})")
        else:
            good[name] = (s[0], e[0])
    return markers, good, sorted(problems)


def anchors(root, path):
    """{name: (start_line, end_line)} of a file's well-formed anchors, and its problems."""
    _, good, problems = parse_anchors(root, path)
    return good, problems


def cmd_anchors(root, paths):
    """For the include filter, per file: `file PATH`, then `missing` (no such file), or a line
    `markers N N ...`, one `anchor NAME START END` per well-formed anchor, one `problem TEXT` per
    error; fields separated by tabs."""
    out = []
    for path in paths:
        out.append(f"file\t{path}")
        if not os.path.isfile(top(root, path)):
            out.append("missing")
            continue
        markers, good, problems = parse_anchors(root, path)
        markers = sorted(set(markers) | hidden_lines(root, path))  # exercise lines too
        out.append("markers\t" + "\t".join(map(str, markers)))
        out += [f"anchor\t{n}\t{a}\t{b}" for n, (a, b) in sorted(good.items())]
        out += [f"problem\t{p}" for p in problems]
    sys.stdout.write("".join(line + "\n" for line in out))


# ------------------------------------------------------------------------------------------
# Diffs between steps


def _stripped(root, path):
    """The file's lines without marker lines, and the original number of each."""
    if not os.path.isfile(top(root, path)):
        return [], []
    lines, nums = [], []
    hidden = hidden_lines(root, path)
    for i, line in enumerate(read_lines(root, path), 1):
        if i not in hidden:
            lines.append(line)
            nums.append(i)
    return lines, nums


def unified(root, old, new):
    """diff -u of two step files (paths relative to the top), marker lines left out.
    Returns (text, shown, added): the numbers, in the new file, of the lines the diff shows
    (added and context) and of those it adds."""
    if _unified_memo is not None and (root, old, new) in _unified_memo:
        return _unified_memo[root, old, new]
    out = _unified(root, old, new)
    if _unified_memo is not None:
        _unified_memo[root, old, new] = out
    return out


# (root, old, new) -> unified's answer, while `booktool.py batch` runs (a chapter's diffstat
# and its diffs of single files ask for the same diffs); None otherwise.
_unified_memo = None


def _unified(root, old, new):
    import subprocess, tempfile
    a, _ = _stripped(root, old)
    b, b_nums = _stripped(root, new)
    if a == b:
        return "", set(), set()
    with tempfile.TemporaryDirectory(prefix="bookdiff-") as tmp:
        pa, pb = os.path.join(tmp, "a"), os.path.join(tmp, "b")
        for p, lines in ((pa, a), (pb, b)):
            with open(p, "w", encoding="utf-8") as f:
                f.write("".join(line + "\n" for line in lines))
        la = old if os.path.isfile(top(root, old)) else "/dev/null"
        lb = new if os.path.isfile(top(root, new)) else "/dev/null"
        r = subprocess.run(["diff", "-u", "--label", la, "--label", lb, pa, pb],
                           capture_output=True, text=True, timeout=30)
    if r.returncode > 1:
        raise RuntimeError(f"diff failed: {r.stderr.strip()}")
    shown, added = set(), set()
    n = 0
    for line in r.stdout.splitlines():
        m = re.match(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@", line)
        if m:
            n = int(m.group(1))
            continue
        if line.startswith(("---", "+++")) and n == 0:
            continue
        if line.startswith("+") or line.startswith(" "):
            if 0 < n <= len(b_nums):
                shown.add(b_nums[n - 1])
                if line.startswith("+"):
                    added.add(b_nums[n - 1])
            n += 1
    return r.stdout, shown, added


def _check_step(root, name):
    if not os.path.isdir(top(root, os.path.join("steps", name))):
        return f"step directory steps/{name} not found"
    return None


def cmd_diff(root, frm, to, file):
    for s in (frm, to):
        err = _check_step(root, s)
        if err:
            print("ERROR: " + err)
            return
    old, new = f"steps/{frm}/{file}", f"steps/{to}/{file}"
    if not os.path.isfile(top(root, old)) and not os.path.isfile(top(root, new)):
        print(f"ERROR: file {file} not found in steps/{frm} nor in steps/{to}")
        return
    sys.stdout.write(unified(root, old, new)[0])


def _binary(root, path):
    try:
        with open(top(root, path), "rb") as f:
            return b"\0" in f.read(8192)
    except FileNotFoundError:
        return False


def cmd_stepdiff(root, frm, to):
    """`make diff STEP=NN`: diff -u of every file of steps/FROM -> steps/TO, marker lines left
    out (anchors, exercises and their stand-ins: scaffolding of the book and of the workshop,
    not code); a binary file that differs gets one line. Exit status 1 when something differs."""
    for s in (frm, to):
        err = _check_step(root, s)
        if err:
            sys.exit("error: " + err)
    differ = False
    for f in sorted(set(step_files(root, frm)) | set(step_files(root, to))):
        old, new = f"steps/{frm}/{f}", f"steps/{to}/{f}"
        if _binary(root, old) or _binary(root, new):
            a = open(top(root, old), "rb").read() if os.path.isfile(top(root, old)) else None
            b = open(top(root, new), "rb").read() if os.path.isfile(top(root, new)) else None
            if a != b:
                print(f"Binary files {old if a is not None else '/dev/null'} and "
                      f"{new if b is not None else '/dev/null'} differ")
                differ = True
            continue
        text = unified(root, old, new)[0]
        if text:
            sys.stdout.write(text)
            differ = True
    sys.exit(1 if differ else 0)


def diffstat(root, frm, to):
    """[(file, added, removed, state)] for every file that differs, state '', 'new' or 'gone'."""
    files = sorted(set(step_files(root, frm) if frm else []) | set(step_files(root, to)))
    out = []
    for f in files:
        old, new = f"steps/{frm}/{f}", f"steps/{to}/{f}"
        text = unified(root, old, new)[0]
        if not text:
            continue
        plus = minus = 0
        for line in text.splitlines()[2:]:
            if line.startswith("+"):
                plus += 1
            elif line.startswith("-"):
                minus += 1
        state = "new" if not os.path.isfile(top(root, old)) else "gone" if not os.path.isfile(top(root, new)) else ""
        out.append((f, plus, minus, state))
    return out


def cmd_stat(root, frm, to):
    for s in (frm, to):
        err = _check_step(root, s)
        if err:
            print("ERROR: " + err)
            return
    rows = diffstat(root, frm, to)
    if not rows:
        print("(no changes)")
        return
    width = max(len(f) for f, *_ in rows)
    nwidth = max(len(str(p + m)) for _, p, m, _ in rows)
    most = max(p + m for _, p, m, _ in rows)
    bar = 40
    for f, p, m, state in rows:
        total = p + m
        scale = min(1.0, bar / most) if most else 1
        np_, nm = round(p * scale), round(m * scale)
        if p and not np_:
            np_ = 1
        if m and not nm:
            nm = 1
        note = f"  ({state})" if state else ""
        print(f" {f:<{width}} | {total:>{nwidth}} {'+' * np_}{'-' * nm}{note}")
    plus = sum(p for _, p, _, _ in rows)
    minus = sum(m for _, _, m, _ in rows)
    n = len(rows)
    print(f" {n} file{'s' if n != 1 else ''} changed, {plus} insertion{'s' if plus != 1 else ''}(+), "
          f"{minus} deletion{'s' if minus != 1 else ''}(-)")


# ------------------------------------------------------------------------------------------
# Building the book


def cmd_merge(out, inputs):
    """One Pandoc document from the chapters' documents: their blocks one after the other."""
    import json
    doc, docs = None, []
    for path in inputs:
        with open(path, encoding="utf-8") as f:
            docs.append(json.load(f))
    index = book_index(docs)  # the glossary's links, and the printed book's index
    for d in docs:
        if doc is None:
            doc = {"pandoc-api-version": d["pandoc-api-version"], "meta": {}, "blocks": []}
        doc["blocks"] += d["blocks"]
    if doc is not None:
        doc["blocks"] += index
    with open(out, "w", encoding="utf-8") as f:
        f.write(json.dumps(doc))  # one string: json.dump to a file runs the slow Python encoder


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{path}: The Book That Boots</title>
<link rel="stylesheet" href="{css}">
</head>
<body class="source-page">
<p class="source-back"><a href="{index}">The Book That Boots</a> · <code>{path}</code></p>
<pre class="source"><code>{lines}</code></pre>
</body>
</html>
"""


def cmd_srcpages(root, out, uses_files=()):
    """OUT/steps/NN/FILE.html for every step file, and OUT/PATH.html for any other file a chapter
    shows (tools/...): the file with its line numbers, each line an anchor (#L12). Marker lines
    are left out; the numbers stay those of the file."""
    import html
    paths = [f"steps/{step}/{f}" for step in steps(root) for f in step_files(root, step)]
    for u in read_uses(uses_files):
        if u[1] in ("show", "link") and u[2] not in paths:
            paths.append(u[2])
    written = 0
    for path in paths:
        try:
            lines = read_lines(root, path)
        except (UnicodeDecodeError, OSError):
            continue
        depth = path.count("/") + 1  # src/ + the path's directories
        up = "../" * depth
        width = len(str(len(lines)))
        body = []
        hidden = hidden_lines(root, path)
        for i, line in enumerate(lines, 1):
            if i in hidden:
                continue
            body.append(f'<span class="line" id="L{i}"><a class="ln" href="#L{i}" data-n="{i:>{width}}"></a>'
                        f' {html.escape(line.expandtabs(8))}</span>')
        target = os.path.join(out, path + ".html")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        text = PAGE.format(path=html.escape(path), css=up + "book.css", index=up + "index.html",
                           lines="".join(body))
        old = None
        if os.path.exists(target):
            with open(target, encoding="utf-8") as fh:
                old = fh.read()
        if old != text:
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(text)
        written += 1
    return written


# ------------------------------------------------------------------------------------------
# The HTML book: one page per chapter, index.html with the contents


def _attr_id(node):
    """The identifier of a Pandoc JSON element that has an Attr, else ''."""
    c = node.get("c")
    if node.get("t") == "Header":
        return c[1][0]
    if isinstance(c, list) and c and isinstance(c[0], list) and len(c[0]) == 3 \
            and isinstance(c[0][0], str) and isinstance(c[0][1], list):
        return c[0][0]
    return ""


def _walk(node, fn):
    if isinstance(node, dict):
        fn(node)
        if "c" in node:
            _walk(node["c"], fn)
    elif isinstance(node, list):
        for x in node:
            _walk(x, fn)


def inline_html(inlines):
    """Enough of Pandoc's inline elements, as HTML, for headings in the contents."""
    import html
    out = []
    for x in inlines:
        t, c = x.get("t"), x.get("c")
        if t == "Str":
            out.append(html.escape(c))
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t == "Code":
            out.append("<code>" + html.escape(c[1]) + "</code>")
        elif t == "Emph":
            out.append("<em>" + inline_html(c) + "</em>")
        elif t == "Strong":
            out.append("<strong>" + inline_html(c) + "</strong>")
        elif t == "Span":
            cls = " ".join(c[0][1])
            out.append(f'<span class="{html.escape(cls)}">' + inline_html(c[1]) + "</span>")
        elif t in ("Link", "Image"):
            out.append(inline_html(c[1]))
        elif t == "Quoted":
            q = ("‘", "’") if c[0]["t"] == "SingleQuote" else ("“", "”")
            out.append(q[0] + inline_html(c[1]) + q[1])
        elif t in ("Underline", "Strikeout", "SmallCaps", "Superscript", "Subscript"):
            out.append(inline_html(c))
        elif t == "RawInline":
            pass
        elif t == "Note":
            pass
        elif t == "Math":
            out.append(html.escape(c[1]))
    return "".join(out)


def plain(inlines):
    return re.sub(r"<[^>]+>", "", inline_html(inlines))


def cmd_html(out_dir, asts, pandoc_args):
    """build/book/NN-name.html for every chapter and index.html, with Pandoc; `pandoc_args` are
    the options every page shares (metadata, template, filters, highlighting)."""
    import concurrent.futures, hashlib, html, json, shutil, subprocess
    chapters = []
    for path in asts:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        stem = os.path.splitext(os.path.basename(path))[0]
        title, sections = None, []
        for b in doc["blocks"]:
            if b["t"] == "Header" and b["c"][0] == 1 and title is None:
                title = (b["c"][1][0], b["c"][2])
            elif b["t"] == "Header" and b["c"][0] == 2:
                sections.append((b["c"][1][0], b["c"][2]))
        if title is None:
            sys.exit(f"book: chapters/{stem}.md has no title (a level-1 heading)")
        doc["meta"] = {}  # a chapter's own front matter (title: ...) must not retitle the book
        chapters.append({"stem": stem, "page": stem + ".html", "doc": doc, "title": title,
                         "sections": sections})

    link_glossary([ch["doc"] for ch in chapters])  # each glossary term linked where first used
    page_of = {}
    for ch in chapters:
        ids = []
        _walk(ch["doc"]["blocks"], lambda n: ids.append(_attr_id(n)) if _attr_id(n) else None)
        for i in ids:
            if i in page_of and page_of[i] != ch["page"]:
                sys.exit(f"book: id '{i}' is in chapters/{ch['stem']}.md and on {page_of[i]}")
            page_of[i] = ch["page"]
    title_ids = {ch["title"][0] for ch in chapters}

    missing = []
    for ch in chapters:
        images = []
        _walk(ch["doc"]["blocks"], lambda n: images.append(n["c"][2][0]) if n.get("t") == "Image" else None)
        for src in images:
            if not re.match(r"^[a-z][a-z0-9+.-]*:", src) and not os.path.isfile(os.path.join(out_dir, src)):
                missing.append(f"chapters/{ch['stem']}.md: image {src} not found in {out_dir} "
                               "(figures/NAME comes from chapters/figures/: see book/README.md)")
    if missing:
        sys.exit("\n".join(missing))

    def nav(current=None):
        items = []
        for ch in chapters:
            here = ch is current
            cls = ' class="current"' if here else ""
            li = f'<li{cls}><a href="{ch["page"]}">{inline_html(ch["title"][1])}</a>'
            if ch["sections"] and (here or current is None):
                li += "<ul>" + "".join(
                    f'<li><a href="{ch["page"]}#{html.escape(i)}">{inline_html(t)}</a></li>'
                    for i, t in ch["sections"]) + "</ul>"
            items.append(li + "</li>")
        return ('<nav id="TOC" role="doc-toc"><h2 id="toc-title"><a href="index.html">Contents</a></h2>'
                "<ul>" + "".join(items) + "</ul></nav>")

    def relink(ch):
        def fix(n):
            if n.get("t") == "Link":
                target = n["c"][2][0]
                if target.startswith("#"):
                    i = target[1:]
                    page = page_of.get(i)
                    if page and page != ch["page"]:
                        n["c"][2][0] = page if i in title_ids else page + target
        _walk(ch["doc"]["blocks"], fix)

    # A page is rendered again only when something it is made from changed: its AST, its
    # variables, the options, the files the options name (template, filters, metadata, syntax
    # definitions) or pandoc itself. Editing one chapter re-renders one page (and its
    # neighbours when its title changes), not all of them: each pandoc run costs about 0.4 s
    # of CPU, and the book's checks rebuild the HTML in copies of the tree.
    keys_path = os.path.join(out_dir, ".page-keys.json")
    try:
        with open(keys_path, encoding="utf-8") as f:
            old_keys = json.load(f)
    except (OSError, ValueError):
        old_keys = {}
    inputs = hashlib.sha256()
    exe = shutil.which("pandoc") or "pandoc"
    try:
        st = os.stat(exe)
        inputs.update(f"{exe} {st.st_size} {st.st_mtime_ns}".encode())
    except OSError:
        inputs.update(exe.encode())
    for a in pandoc_args:
        inputs.update(a.encode() + b"\0")
        path = a.split("=", 1)[1] if a.startswith("--") and "=" in a else a
        if os.path.isfile(path):
            with open(path, "rb") as f:
                inputs.update(f.read())
    new_keys = {}

    def key_of(doc, target, variables):
        h = inputs.copy()
        h.update(json.dumps([doc, sorted(variables.items())], sort_keys=True).encode())
        return h.hexdigest()

    def render(doc, target, variables):
        key = new_keys[target]
        if old_keys.get(target) == key and os.path.isfile(target):
            return target, 0, ""
        args = ["pandoc", "--fail-if-warnings", "-f", "json", "-t", "html5", "-s", "-o", target]
        args += pandoc_args
        for k, v in variables.items():
            args += ["-V", f"{k}={v}"]
        r = subprocess.run(args, input=json.dumps(doc), capture_output=True, text=True, timeout=120)
        return target, r.returncode, r.stderr

    jobs = []
    for n, ch in enumerate(chapters):
        relink(ch)
        v = {"chapter": "true", "nav": nav(ch),
             "pagetitle": plain(ch["title"][1]) + " · The Book That Boots"}
        if n > 0:
            p = chapters[n - 1]
            v.update({"prev-href": p["page"], "prev-title": inline_html(p["title"][1])})
        if n + 1 < len(chapters):
            x = chapters[n + 1]
            v.update({"next-href": x["page"], "next-title": inline_html(x["title"][1])})
        jobs.append((ch["doc"], os.path.join(out_dir, ch["page"]), v))
    empty = dict(chapters[0]["doc"], blocks=[]) if chapters else None
    if empty is not None:
        v = {"index": "true", "nav": nav()}
        v.update({"next-href": chapters[0]["page"], "next-title": inline_html(chapters[0]["title"][1])})
        jobs.append((empty, os.path.join(out_dir, "index.html"), v))
    for doc, target, v in jobs:
        new_keys[target] = key_of(doc, target, v)
    # The pages of chapters that are gone (renamed or removed) go too.
    for name in os.listdir(out_dir):
        if re.match(r"^(\d\d-|appendix-).*\.html$", name) and os.path.join(out_dir, name) not in new_keys:
            os.remove(os.path.join(out_dir, name))
    try:
        os.remove(keys_path)              # written again only once every page is made
    except OSError:
        pass
    failed = False
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for target, rc, err in pool.map(lambda j: render(*j), jobs):
            if err or rc:
                sys.stderr.write(err)
                print(f"book: pandoc failed on {target}", file=sys.stderr)
                failed = True
    if failed:
        sys.exit(1)
    with open(keys_path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(new_keys, f, indent=0, sort_keys=True)
    os.replace(keys_path + ".tmp", keys_path)
    # index.html is make's target for all the pages: it is touched even when it was not made
    # again, or every later `make book-html` would run this once more for nothing.
    index = os.path.join(out_dir, "index.html")
    if os.path.isfile(index):
        os.utime(index)


# ------------------------------------------------------------------------------------------
# What the chapters show (the .uses files the include filter writes)


def read_uses(paths):
    """[(chapter, kind, fields...)] from the .uses files the include filter wrote."""
    out = []
    for path in paths:
        chapter = None
        with open(path, encoding="utf-8") as f:
            for line in f:
                fields = line.rstrip("\n").split("\t")
                if fields[0] == "chapter":
                    chapter = fields[1]
                else:
                    out.append((chapter, *fields))
    return out


def parse_ranges(text):
    nums = set()
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            nums.update(range(int(a), int(b) + 1))
        elif part:
            nums.add(int(part))
    return nums


def shown_lines(root, uses):
    """{path: set of line numbers shown in listings} and the same including diffs."""
    listings, with_diffs = {}, {}
    for u in uses:
        if u[1] == "show":
            nums = parse_ranges(u[4])
            listings.setdefault(u[2], set()).update(nums)
            with_diffs.setdefault(u[2], set()).update(nums)
        elif u[1] == "diff":
            frm, to, f = u[2], u[3], u[4]
            path = f"steps/{to}/{f}"
            _, shown, _ = unified(root, f"steps/{frm}/{f}", path)
            with_diffs.setdefault(path, set()).update(shown)
    return listings, with_diffs


def comment_only(root, path):
    """{line number: True} for blank, comment-only and marker lines of a source file."""
    lines = read_lines(root, path)
    skip = {}
    name = os.path.basename(path)
    hash_comments = name == "Makefile" or name.endswith((".mk", ".py", ".sh"))
    in_block = False
    hidden = hidden_lines(root, path)
    for i, line in enumerate(lines, 1):
        if i in hidden:
            skip[i] = True
            continue
        if hash_comments:
            s = line.strip()
            skip[i] = s == "" or s.startswith("#")
            continue
        # C, assembly (.S goes through cpp) and linker scripts: /* */ and // comments.
        rest, code = line, ""
        while rest:
            if in_block:
                j = rest.find("*/")
                if j < 0:
                    rest = ""
                else:
                    rest = rest[j + 2:]
                    in_block = False
                continue
            m = re.search(r'/\*|//|"', rest)
            if not m:
                code += rest
                break
            code += rest[:m.start()]
            tok = m.group(0)
            if tok == "//":
                break
            if tok == "/*":
                in_block = True
                rest = rest[m.end():]
                continue
            # a string: keep it as code up to its closing quote
            k = m.end()
            while k < len(rest) and rest[k] != '"':
                k += 2 if rest[k] == "\\" else 1
            code += rest[m.start():k + 1]
            rest = rest[k + 1:]
        skip[i] = code.strip() == ""
    return {i for i, s in skip.items() if not s}


CODE = re.compile(r"(\.(c|h|S|s|ld|mk)|^Makefile)$")


def code_files(root, step):
    """The step's implementation: C, assembly, linker script, Makefiles (its tests aside)."""
    return [f for f in step_files(root, step) if CODE.search(os.path.basename(f))]


def line_map(root, old, new):
    """({line in new: the same line in old} for the lines a step kept, {lines it added}),
    marker lines left out of both."""
    import difflib
    a, a_nums = _stripped(root, old)
    b, b_nums = _stripped(root, new)
    kept = {}
    for blk in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        for k in range(blk.size):
            kept[b_nums[blk.b + k]] = a_nums[blk.a + k]
    return kept, set(b_nums) - set(kept)


def shown_in_book(root, uses):
    """{path: lines the book shows} for every step file, once counting listings only and once
    counting diffs too. A line a step kept unchanged from the step before counts as shown when
    it was shown there: the reader has seen it (boot.S of step 02, if it is boot.S of step 01)."""
    listings, with_diffs = shown_lines(root, uses)
    out_l, out_d, added = {}, {}, {}
    prev = None
    for step in steps(root):
        for f in step_files(root, step):
            path = f"steps/{step}/{f}"
            sl, sd = set(listings.get(path, ())), set(with_diffs.get(path, ()))
            if prev:
                kept, added[path] = line_map(root, f"steps/{prev}/{f}", path)
                pl, pd = out_l.get(f"steps/{prev}/{f}", set()), out_d.get(f"steps/{prev}/{f}", set())
                sl |= {n for n, o in kept.items() if o in pl}
                sd |= {n for n, o in kept.items() if o in pd}
            else:
                added[path] = None  # the first step: every line is new
            out_l[path], out_d[path] = sl, sd
        prev = step
    return out_l, out_d, added


def coverage(root, uses_files):
    """[(step, code, shown, new, new_shown, new_shown_with_diffs, unshown {path: [new lines]})]"""
    listings, with_diffs, added = shown_in_book(root, read_uses(uses_files))
    rows = []
    for step in steps(root):
        code = shown = new = new_shown = new_diff = 0
        unshown = {}
        for f in code_files(root, step):
            path = f"steps/{step}/{f}"
            lines = comment_only(root, path)
            fresh = lines if added[path] is None else lines & added[path]
            s, d = listings[path], with_diffs[path]
            code += len(lines)
            shown += len(lines & s)
            new += len(fresh)
            new_shown += len(fresh & s)
            new_diff += len(fresh & d)
            missing = sorted(fresh - s)
            if missing:
                unshown[path] = missing
        rows.append((step, code, shown, new, new_shown, new_diff, unshown))
    return rows


def pct(a, b):
    return f"{100 * a / b:.1f} %" if b else "–"


def cmd_coverage(root, uses_files, verbose=False):
    rows = coverage(root, uses_files)
    print("How much of each step's code the book shows. Code lines: C, assembly, linker script and")
    print("Makefile lines, blank and comment-only lines aside (tests are not counted). 'new': the")
    print("lines the step adds to the step before. 'shown' counts listings (and unchanged lines")
    print("shown in an earlier step); the last column counts the chapters' diffs as well.")
    print()
    head = f"{'step':<22}{'code':>6}{'shown':>16}{'new':>7}{'new shown':>16}{'+ diffs':>10}"
    print(head)
    print("-" * len(head))

    def line(name, code, shown, new, new_shown, new_diff):
        print(f"{name:<22}{code:>6}{shown:>8}{pct(shown, code):>8}{new:>7}{new_shown:>8}"
              f"{pct(new_shown, new):>8}{pct(new_diff, new):>10}")

    for step, code, shown, new, new_shown, new_diff, unshown in rows:
        line(step, code, shown, new, new_shown, new_diff)
        if verbose:
            for path, nums in unshown.items():
                print(f"    new, not in a listing: {path} lines {ranges_text(nums)}")
    print("-" * len(head))
    line("all steps", *(sum(r[i] for r in rows) for i in range(1, 6)))
    if not verbose:
        print("\n(make book-coverage V=1 lists the new lines no listing shows)")


def ranges_text(nums):
    out, i = [], 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return ",".join(out)


def cmd_files(root, frm, to):
    """The files and directories a diffstat of FROM -> TO reads: a chapter that shows it is
    rebuilt when any of them changes, or when a file is added or removed (its directory)."""
    for s in (frm, to):
        if _check_step(root, s):
            continue
        base = os.path.join("steps", s)
        dirs = {base}
        for f in step_files(root, s):
            print(os.path.join(base, f))
            dirs.add(os.path.dirname(os.path.join(base, f)))
        for d in sorted(dirs):
            print(d)


# The page is 100 columns of the listing font wide (book/print.css); a longer line is folded here
# with a hanging indent, since its listing is plain text on paper.
PRINT_COLUMNS = 100
PRINT_INDENT = 4

def fold(line, width=PRINT_COLUMNS, indent=PRINT_INDENT):
    """One listing line of HTML (text, entities and <span class="co"> comments) folded into
    rows of at most `width` columns: at the last space that fits, else at `width`; each row
    after the first starts with `indent` spaces, and a comment span open at a fold is closed
    before it and opened again after."""
    parts = re.findall(r"<[^>]*>|&[#\w]+;|.", line, re.S)   # tags, entities, characters
    if sum(1 for p in parts if not p.startswith("<")) <= width:
        return line
    rows, row, cols, last_space = [], [], 0, None
    for p in parts:
        if p.startswith("<"):
            row.append(p)
            continue
        if cols == width:
            cut = last_space + 1 if last_space is not None else len(row)
            tail, row = row[cut:], row[:cut]
            # the spans open where the row is cut: those opened before the cut and not closed
            stack = []
            for q in row:
                if q.startswith("</"):
                    stack.pop()
                elif q.startswith("<"):
                    stack.append(q)
            rows.append("".join(row) + "</span>" * len(stack))
            row = [" " * indent] + stack + tail
            cols = indent + sum(1 for q in tail if not q.startswith("<"))
            last_space = None
            for i, q in enumerate(row):
                if q == " " and i > 0:
                    last_space = i
        row.append(p)
        cols += 1
        if p == " ":
            last_space = len(row) - 1
    rows.append("".join(row))
    return "\n".join(rows)


_CODE = re.compile(r'(<code class="sourceCode[^"]*">)(.*?)(</code>)', re.S)


def cmd_print(src, dst):
    """Pandoc's HTML for paper, with every listing line folded to the page's width (fold()).
    A listing comes as plain text with its comments marked: book/finish.lua writes it so for
    paper and the EPUB instead of Pandoc's highlighter, whose line and token spans were boxes
    WeasyPrint laid out one by one (about 15,000 and 67,000, 50 of the PDF's 65 s of CPU). The
    check "listings fit the paper" fails if a highlighted listing still reaches print.html."""
    html = src.read()
    dst.write(_CODE.sub(lambda m: m.group(1) + "\n".join(fold(line) for line in m.group(2).split("\n"))
                        + m.group(3), html))


# ------------------------------------------------------------------------------------------
# Changed listings: a region shown again, with the lines that differ from an earlier step marked

# A chapter's fenced blocks, read the way the include filter numbers its listings: an opening
# fence (three or more ` or ~) with {attributes}, up to the closing fence of the same kind.
_FENCE = re.compile(r"^(`{3,}|~{3,})\s*(.*)$")
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def chapter_listings(root, chapter):
    """[(number, id, attributes)] of the listings of a chapter (chapters/NN-name.md): every
    block that includes code (not generated Markdown) or diffs a file, in order. The number is
    the one the filter gives it (1, 2, ...), the id that of its Div (stem-listing-N, or the
    block's own #id)."""
    stem = os.path.basename(chapter)[:-3]
    out, fence = [], None
    with open(top(root, chapter), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if fence:
                if re.match("^" + re.escape(fence[0]) + fence[0][0] + "*\\s*$", line):
                    fence = None
                continue
            m = _FENCE.match(line)
            if not m:
                continue
            fence = m.group(1)
            info = m.group(2).strip()
            if not (info.startswith("{") and info.endswith("}")):
                continue
            attrs = dict(_ATTR.findall(info))
            classes = re.findall(r"(?:^|\s)\.([\w-]+)", info[1:-1])
            ident = re.search(r"(?:^|\s)#([\w-]+)", info[1:-1])
            listing = ("include" in attrs and "markdown" not in classes) or \
                ("diffstat" not in classes and any(k in attrs for k in ("from", "to", "file")))
            if listing:
                n = len(out) + 1
                out.append((n, ident.group(1) if ident else f"{stem}-listing-{n}", attrs))
    return out


def region_lines(root, path, anchor):
    """[(line number, text)] of an anchor's region as a listing shows it: marker lines left out,
    tabs expanded, trailing blanks cut, the shared indentation removed, blank lines at either end
    dropped. None when the file or the anchor does not exist."""
    if not os.path.isfile(top(root, path)):
        return None
    _, good, _ = parse_anchors(root, path)
    if anchor not in good:
        return None
    s, e = good[anchor]
    text = read_lines(root, path)
    hidden = hidden_lines(root, path)          # markers, and exercises' stand-in lines
    lines = [(i, text[i - 1].expandtabs(8).rstrip()) for i in range(s + 1, e) if i not in hidden]
    while lines and not lines[0][1]:
        lines.pop(0)
    while lines and not lines[-1][1]:
        lines.pop()
    indent = min((len(t) - len(t.lstrip(" ")) for _, t in lines if t), default=0)
    return [(i, t[indent:]) for i, t in lines]


def region_changes(root, old_path, new_path, anchor, old_anchor=None):
    """(the line numbers of new_path's region that are new or changed since old_path's, and how
    many of its non-blank lines were changed, added and removed: a line replaced by one counts
    as changed), or None when either region is missing. The old region is old_anchor's, when
    given (code that moved to another anchor), else anchor's. A blank line is marked only
    between two marked lines."""
    import difflib
    a = region_lines(root, old_path, old_anchor or anchor)
    b = region_lines(root, new_path, anchor)
    if a is None or b is None:
        return None
    old, new = [t for _, t in a], [t for _, t in b]
    marked = [False] * len(new)
    changed = added = removed = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        for k in range(j1, j2):
            marked[k] = True
        na = sum(1 for t in old[i1:i2] if t)
        nb = sum(1 for t in new[j1:j2] if t)
        changed += min(na, nb)
        added += max(0, nb - na)
        removed += max(0, na - nb)
    for k, t in enumerate(new):
        if marked[k] and not t:
            before = next((marked[j] for j in range(k - 1, -1, -1) if new[j]), False)
            after = next((marked[j] for j in range(k + 1, len(new)) if new[j]), False)
            marked[k] = before and after
    return [b[k][0] for k in range(len(new)) if marked[k]], changed, added, removed


_ORIGIN = re.compile(r"^(\d\d-[\w-]+)(?::([^#\s]+))?(?:#([\w-]+))?$")


def change_origin(root, frm, path, anchor):
    """The region a changed listing of ANCHOR of PATH (steps/TO/FILE) is compared with, from its
    changed-from="FROM": (step, its file, its anchor, None), or (..., a problem) when FROM is
    malformed or names no step before TO. FROM is STEP (the same file and anchor in that step),
    or STEP:FILE, STEP#ANCHOR, STEP:FILE#ANCHOR for code that moved to another file (FILE
    relative to steps/STEP) or anchor; then STEP may be TO itself."""
    parts = path.split("/")
    where = f"changed-from=\"{frm}\" on the include of {path}"
    m = _ORIGIN.match(frm)
    if len(parts) < 3 or parts[0] != "steps":
        return None, None, None, (f"changed-from=\"{frm}\" on an include of {path}: only a step's file can be "
                                  "compared with an earlier step")
    if not m:
        return None, None, None, (f"{where}: write changed-from=\"STEP\", or \"STEP:FILE#ANCHOR\" (FILE "
                                  "relative to steps/STEP, either part optional) for code that moved")
    step, file, old_anchor = m.group(1), m.group(2) or "/".join(parts[2:]), m.group(3) or anchor
    if ".." in file.split("/"):
        return None, None, None, f"{where}: FILE is relative to steps/{step}, without '..'"
    old = f"steps/{step}/{file}"
    moved = (old, old_anchor) != ("/".join(parts[:1] + [step] + parts[2:]), anchor)
    if step > parts[1] or (step == parts[1] and not moved):
        return step, old, old_anchor, (f"changed-from=\"{frm}\" on an include of {path}: {step} is not a step "
                                       f"before {parts[1]}")
    if not os.path.isdir(top(root, f"steps/{step}")):
        return step, old, old_anchor, f"changed-from=\"{frm}\": step directory steps/{step} not found"
    if not os.path.isfile(top(root, old)):
        return step, old, old_anchor, f"file {old} not found ({where}, anchor '{anchor}')"
    return step, old, old_anchor, None


def cmd_changes(root, chapter, requests):
    """For the include filter: each request is NUMBER FROM PATH ANCHOR (a listing of the chapter
    that shows ANCHOR of PATH, steps/TO/FILE, marked against the region FROM names: see
    change_origin). Prints per request `change NUMBER LINES CHANGED ADDED REMOVED REF-CHAPTER
    REF-NUMBER REF-ID STEP ORIGIN` (LINES the line numbers to mark, "3,5-7", then how many lines
    changed, were added, were removed; the REF- fields name the last listing before this one
    that showed the earlier region, "-" when none did; STEP the earlier step's number, ORIGIN
    the earlier file relative to its step when it is another file, else "-") or `problem NUMBER
    TEXT`; then `dep PATH` for each chapter and earlier file read; fields separated by tabs."""
    stem = os.path.basename(chapter)[:-3]
    chapters = sorted(f[:-3] for f in os.listdir(top(root, "chapters"))
                      if re.match(r"^(\d\d-|appendix-).*\.md$", f) and f[:-3] <= stem)
    shown = []  # (chapter, number, id, path, anchor) in book order
    for c in chapters:
        for n, ident, attrs in chapter_listings(root, f"chapters/{c}.md"):
            if "include" in attrs and "anchor" in attrs:
                shown.append((c, n, ident, attrs["include"], attrs["anchor"]))
    out, deps = [], set()
    for k in range(0, len(requests) - 3, 4):
        num, frm, path, anchor = requests[k:k + 4]
        step, old, old_anchor, problem = change_origin(root, frm, path, anchor)
        if problem:
            out.append(f"problem\t{num}\t{problem}")
            continue
        deps.add(old)
        r = region_changes(root, old, path, anchor, old_anchor)
        if r is None:
            out.append(f"problem\t{num}\tanchor '{old_anchor}' not found in {old} (changed-from=\"{frm}\" on "
                       f"the include of {path})")
            continue
        lines, changed, added, removed = r
        if not lines and not removed:
            same = f"anchor '{anchor}' is the same in {old} and {path}" if old_anchor == anchor else \
                f"anchor '{old_anchor}' of {old} and anchor '{anchor}' of {path} are the same"
            out.append(f"problem\t{num}\t{same}: nothing changed to mark (refer to the earlier listing "
                       "instead of showing it again)")
            continue
        ref = [s for s in shown if s[3] == old and s[4] == old_anchor
               and (s[0] < stem or (s[0] == stem and s[1] < int(num)))]
        c, n, ident = (ref[-1][0], ref[-1][1], ref[-1][2]) if ref else ("-", "-", "-")
        origin = old.split("/", 2)[2] if old.split("/", 2)[2] != path.split("/", 2)[2] else "-"
        out.append(f"change\t{num}\t{ranges_text(lines)}\t{changed}\t{added}\t{removed}\t{c}\t{n}\t{ident}"
                   f"\t{step[:2]}\t{origin}")
    out += [f"dep\tchapters/{c}.md" for c in chapters]
    out += [f"dep\t{d}" for d in sorted(deps)]
    sys.stdout.write("".join(line + "\n" for line in out))


# Exercises (workshop mode): regions of a step's source that `make exercise` hands to the reader
#
#     // EXERCISE: uart_baud: hint text on one line (what to do, which manual section)
#     ...solution lines (the real code: the step builds and passes its checks with them)...
#     // EXERCISE_STANDIN: uart_baud
#     //     mmio_write32(AUX_MU_BAUD, 0);    <- the stand-in, each line behind the comment token
#     // EXERCISE_END: uart_baud
#
# One marker a line, in any comment syntax, like the anchors. The STANDIN part is optional
# (without it the region becomes empty). A stand-in line is: spaces, the comment token that
# comes before `EXERCISE_STANDIN:` on its marker line (a line comment: //, #, @, ;), one space,
# then the code as it will stand, with its own indentation ("//" alone is an empty line).
# An exercise may have several regions (in one file or several); the first one's hint is the
# exercise's. Regions do not nest. Markers and stand-in lines are invisible like anchor markers:
# hidden_lines() is what the listings, the source pages, the diffs and coverage leave out.

EX_START = re.compile(r"EXERCISE:\s*([A-Za-z0-9_.-]+)\s*:?[ \t]*(.*?)\s*(\*/\s*)?$", re.ASCII)
EX_STANDIN = re.compile(r"EXERCISE_STANDIN:\s*([A-Za-z0-9_.-]+)", re.ASCII)
EX_END = re.compile(r"EXERCISE_END:\s*([A-Za-z0-9_.-]+)", re.ASCII)


class Region:
    """One marked region of a file: name, hint, the marker lines (1-based; standin None when
    there is no stand-in), the solution and stand-in lines, and the TODO line that replaces the
    EXERCISE: marker in a generated tree."""

    def __init__(self, path, name, hint, start, todo):
        self.path, self.name, self.hint, self.start, self.todo = path, name, hint, start, todo
        self.standin = self.end = None
        self.solution, self.standin_lines = [], []


def parse_exercises(root, path, lines=None):
    """([Region], hidden line numbers, problems) of one file. A problem names the file and the
    line, like a compiler: "steps/02-uart/uart.c:42: EXERCISE: uart_baud inside exercise
    'gpio_fsel' (opened on line 30): exercises do not nest". A stand-in stops at its first line
    that is not a comment (`stray`): one problem names that line, or, when no EXERCISE_END comes
    before the next EXERCISE: or the end of the file, the missing EXERCISE_END, which is then
    the likely cause; the lines after it are code again, not a flood of stand-in errors."""
    if lines is None:
        lines = read_lines(root, path)
    regions, hidden, problems = [], set(), []
    cur, token, stray = None, None, None

    def unclosed(r):
        where = (f" (its stand-in, from line {r.standin}, stops at line {stray}, the first that "
                 f"does not start with {token!r})" if stray else "")
        return f"{path}:{r.start}: EXERCISE: {r.name} has no EXERCISE_END: {r.name}{where}"

    for i, line in enumerate(lines, 1):
        m_start, m_standin, m_end = EX_START.search(line), EX_STANDIN.search(line), EX_END.search(line)
        if m_start:
            hidden.add(i)
            if cur is not None and stray:
                problems.append(unclosed(cur))
                cur = None
            if cur is not None:
                problems.append(f"{path}:{i}: EXERCISE: {m_start.group(1)} inside exercise "
                                f"'{cur.name}' (opened on line {cur.start}): exercises do not nest")
                continue
            hint = m_start.group(2) or "the same exercise (its first TODO has the hint)"
            todo = line[:m_start.start()] + f"TODO({m_start.group(1)}): {hint}"
            if m_start.group(3):
                todo += " */"
            cur, token, stray = Region(path, m_start.group(1), m_start.group(2), i, todo), None, None
        elif m_standin:
            hidden.add(i)
            name = m_standin.group(1)
            if cur is None:
                problems.append(f"{path}:{i}: EXERCISE_STANDIN: {name} outside any exercise")
            elif name != cur.name:
                problems.append(f"{path}:{i}: EXERCISE_STANDIN: {name} inside exercise "
                                f"'{cur.name}' (opened on line {cur.start})")
            elif cur.standin is not None:
                problems.append(f"{path}:{i}: a second EXERCISE_STANDIN: {name} "
                                f"(the first is on line {cur.standin})")
            else:
                cur.standin = i
                token = line[:m_standin.start()].strip()
                if not token or token.startswith("/*"):
                    problems.append(f"{path}:{i}: EXERCISE_STANDIN: {name} needs a line comment "
                                    f"before it (//, #, @), which starts every stand-in line")
                    token = None
        elif m_end:
            hidden.add(i)
            name = m_end.group(1)
            if cur is None:
                problems.append(f"{path}:{i}: EXERCISE_END: {name} without an EXERCISE: {name}")
            elif name != cur.name:
                problems.append(f"{path}:{i}: EXERCISE_END: {name} closes exercise '{cur.name}' "
                                f"(opened on line {cur.start}): exercises do not nest")
                cur = None
            else:
                if stray:
                    problems.append(f"{path}:{stray}: stand-in line of exercise '{cur.name}' does "
                                    f"not start with the comment token {token!r} of line "
                                    f"{cur.standin}")
                cur.end = i
                regions.append(cur)
                cur = None
        elif cur is not None and cur.standin is None:
            cur.solution.append(line)
        elif cur is not None and not stray:
            body = line.lstrip()
            if token is not None and not body.startswith(token):
                stray = i                   # the stand-in stops here; reported at its end
                continue
            hidden.add(i)
            if token is None:
                continue
            body = body[len(token):]
            cur.standin_lines.append(body[1:] if body.startswith(" ") else body)
    if cur is not None:
        problems.append(unclosed(cur))
    return regions, hidden, problems


def hidden_lines(root, path):
    """Line numbers the book never shows: anchor markers, exercise markers and stand-in lines.
    Only a well-formed exercise's stand-in lines are known; markers are hidden regardless."""
    lines = read_lines(root, path)
    hidden = {i for i, line in enumerate(lines, 1) if is_marker(line)}
    if any("EXERCISE" in line for line in lines):
        hidden |= parse_exercises(root, path, lines)[1]
    return hidden


def step_exercises(root, step):
    """({name: [Region]} in the order of the files and lines, problems) of a step's code files."""
    out, problems = {}, []
    for f in code_files(root, step):
        path = f"steps/{step}/{f}"
        lines = read_lines(root, path)
        if not any("EXERCISE" in line for line in lines):
            continue
        regions, _, probs = parse_exercises(root, path, lines)
        problems += probs
        for r in regions:
            out.setdefault(r.name, []).append(r)
    for name, regs in out.items():
        if not regs[0].hint:
            problems.append(f"{regs[0].path}:{regs[0].start}: EXERCISE: {name} has no hint "
                            f"(write it after the name: 'EXERCISE: {name}: what to do')")
    return out, problems


def apply_exercises(root, path, standins):
    """The text of a step file as a generated tree holds it: each region of an exercise in
    `standins` becomes its TODO line and its stand-in; every other region its solution. Raises
    ValueError with the file's problems."""
    lines = read_lines(root, path)
    regions, _, problems = parse_exercises(root, path, lines)
    if problems:
        raise ValueError("\n".join(problems))
    out, i = [], 1
    for r in regions:
        out += lines[i - 1:r.start - 1]
        out += [r.todo] + r.standin_lines if r.name in standins else r.solution
        i = r.end + 1
    out += lines[i - 1:]
    return "".join(line + "\n" for line in out)


def cmd_exercises(root, step):
    """Markdown for a chapter's Exercises section (the include filter's .exercises block): each
    exercise of the step, its hint and the files it is in, then how to start."""
    if _check_step(root, step):
        print("ERROR: " + _check_step(root, step))
        return
    found, problems = step_exercises(root, step)
    if problems:
        print("ERROR: " + "; ".join(problems))
        return
    if not found:
        print(f"ERROR: steps/{step} has no exercises (no EXERCISE: markers in its code)")
        return
    out = []
    for name, regs in found.items():
        where = ", ".join(dict.fromkeys(f"`{r.path}`" for r in regs))
        out.append(f"- **`{name}`** ({where}): {regs[0].hint}")
    num = step[:2]
    out.append("")
    out.append(f"Start with `make exercise STEP={num}`: it writes `build/exercise/{step}/`, a "
               f"tree of its own with step {num}'s sources, each exercise's code replaced by a "
               f"`TODO` and a stand-in that builds. There, `make check` runs the step's checks "
               f"and says which checks of each exercise pass; `make run`, `make gdb` and "
               f"`make diff` (your changes) work as they do here.")
    sys.stdout.write("\n".join(out) + "\n")




# ------------------------------------------------------------------------------------------
# The glossary: each term linked where the book first uses it, and the printed book's index
#
# The terms are those of the glossary chapter (chapters/*-glossary.md): each entry of its
# definition list whose term is a span with an id, `[ESR / EC / ISS]{#esr}`. The spellings an
# entry matches come from its term: the parts between " / " and the items in parentheses,
# `Barrier (`dsb`, `dmb`, `isb`)` giving Barrier, dsb, dmb and isb (a range such as "EL0–EL3" is
# no spelling); or, when the span has a `match` attribute, from that alone, spellings separated
# by "|", where "-words" names words that are never a use even though a spelling matches them:
# `[Guard]{#guard match="guard|-guard page"}` (a CNode's guard, not the page under a stack).
# A spelling in backticks matches inline code of exactly that text; any other matches words
# of the running text:
#   - a spelling with no capital letter after its first character ("Page table", "cptr") matches
#     with its first letter in either case, one with more capitals ("ASID", "CNode") as written;
#   - a plural is the same term ("FIFOs", "capabilities");
#   - a spelling of capitals and digits (a register: "ESR", "TTBR0") also matches with an
#     exception level after it ("ESR_EL1"), and so does inline code of exactly that text.
# Only running text counts: not headings, listings, their captions, code blocks, images, or the
# inside of a link; not the glossary itself, nor the references appendix (which describes
# documents). A link written by hand to the entry is a use too (the first, if nothing matched
# before it).
#
# The first use of each term becomes a link to its entry (in every format). For the printed
# book, some uses also get an id (`ix-TERM-N`, TERM the entry's own id), the targets of the
# index at the end: a term's first use in each chapter, and its first use in a later section
# (level-2 heading) of that chapter that uses it INDEX_SECTION_USES times or more (it discusses
# the term, rather than mentions it); never two in a section, and each a page's worth of text
# after the one before, so that two targets of a term are never on the same page. That makes
# about 260 ids, and as many links in the index: every inline box costs WeasyPrint time (470
# ids, one per term per section, cost 1 s of CPU more than the book without an index).

GLOSSARY_CHAPTER = re.compile(r"glossary$")
REFERENCES_CHAPTER = re.compile(r"references$")    # describes documents: no uses there
INDEX_SECTION_USES = 3   # a section that uses a term this often is in its index entry (see above)
# What a page holds, counted low so that a page's worth is never less than a page: 100
# characters of text per line (DejaVu Serif 10 pt gives about 92 in the column), and 49 lines
# of text or 65 of listing (print.css) to a page.
PAGE_CHARS, PAGE_LINES_TEXT, PAGE_LINES_CODE = 100, 49, 65
_INLINE = {"Str", "Emph", "Underline", "Strong", "Strikeout", "Superscript", "Subscript",
           "SmallCaps", "Quoted", "Cite", "Code", "Space", "SoftBreak", "LineBreak", "Math",
           "RawInline", "Link", "Image", "Note", "Span"}
_SKIP = {"Header", "CodeBlock", "RawBlock", "Image", "Math", "RawInline", "Cite", "Figure"}
_SKIP_DIV = {"listing", "listing-caption", "diffstat"}


def _text(inlines, code_ticks=True):
    out = []
    for x in inlines:
        t, c = x.get("t"), x.get("c")
        if t == "Str":
            out.append(c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t == "Code":
            out.append(f"`{c[1]}`" if code_ticks else c[1])
        elif t in ("Emph", "Underline", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            out.append(_text(c, code_ticks))
        elif t in ("Span", "Quoted", "Link"):
            out.append(_text(c[1], code_ticks))
    return "".join(out)


def _spelling_re(s):
    """The regular expression of a spelling of the running text (see above)."""
    words = s.split()
    body = r"[ \n]+".join(re.escape(w) for w in words)
    if s[0].isalpha() and not any(ch.isupper() for ch in s[1:]):
        body = f"[{s[0].upper()}{s[0].lower()}]" + body[len(re.escape(s[0])):]
    if re.fullmatch(r"[A-Z][A-Z0-9]+", s):
        body += r"(?:_EL[0-3])?"
    if re.search(r"[^aeiou]y$", s):
        body = body[:-1] + "(?:y|ies)"
    elif s[-1].isalpha():
        body += "(?:s|es)?"
    return body + r"(?![\w])"    # and no word character before it: see link_glossary


def glossary_terms(blocks):
    """[{id, label (the term's inlines), text, code: {spellings in backticks}, re}] in the
    glossary's order, from the glossary chapter's blocks."""
    terms = []
    for b in blocks:
        if b.get("t") != "DefinitionList":
            continue
        for term, _ in b["c"]:
            if len(term) != 1 or term[0].get("t") != "Span" or not term[0]["c"][0][0]:
                continue
            (ident, _, kv), label = term[0]["c"]
            attrs = dict(kv)
            text = _text(label)
            if "match" in attrs:
                parts = attrs["match"].split("|")
            else:
                m = re.fullmatch(r"(.*?)\s*\((.*)\)", text)
                main, paren = (m.group(1), m.group(2)) if m else (text, "")
                parts = re.split(r"\s*/\s*", main) + (re.split(r",\s*", paren) if paren else [])
            parts = [p.strip() for p in parts if p.strip() and "–" not in p]
            never = [p[1:] for p in parts if p.startswith("-") and p[1:2] != "`" and len(p) > 1]
            parts = [p for p in parts if p[1:] not in never or not p.startswith("-")]
            code = {p[1:-1] for p in parts if len(p) > 2 and p[0] == p[-1] == "`"}
            words = [p for p in parts if not (len(p) > 2 and p[0] == p[-1] == "`")]
            regs = {p for p in words if re.fullmatch(r"[A-Z][A-Z0-9]+", p)}
            code |= regs | {f"{r}_EL{n}" for r in regs for n in range(4)}
            terms.append({"id": ident, "label": label, "text": text, "code": code, "never": never, "words": words,
                          "re": re.compile("|".join(_spelling_re(w) for w in
                                                    sorted(words, key=len, reverse=True)))
                          if words else None})
    return terms


def _tokens(text):
    """Pandoc inlines for plain text with " " and "\n" between words."""
    out = []
    for part in re.split(r"([ \n]+)", text):
        if not part:
            continue
        if part[0] in " \n":
            out.append({"t": "SoftBreak"} if "\n" in part else {"t": "Space"})
        else:
            out.append({"t": "Str", "c": part})
    return out


def link_glossary(docs, index=False):
    """Link each glossary term's first use in `docs` (the chapters' Pandoc documents, in order;
    changed in place) to its entry; with `index`, also put the index's ids at some uses (see
    above). Returns (terms, {term id: [index ids]})."""
    gloss = [d for d in docs if d["blocks"] and d["blocks"][0].get("t") == "Header"
             and GLOSSARY_CHAPTER.search(d["blocks"][0]["c"][1][0])]
    if not gloss:
        return [], {}
    terms = glossary_terms(gloss[0]["blocks"])
    gloss_id = gloss[0]["blocks"][0]["c"][1][0]     # the ids are "appendix-d-glossary-TERM"
    by_id = {t["id"]: t for t in terms}
    by_code = {}
    for t in terms:
        for s in t["code"]:
            by_code.setdefault(s, t)
    never = sorted({w for t in terms for w in t["never"]}, key=len, reverse=True)
    # One expression for every spelling, tried only where a word starts with a letter some
    # spelling starts with (1 s of CPU for the book without that, 0.1 s with it).
    alts = ([f"(?P<never>{'|'.join(_spelling_re(w) for w in never)})"] if never else []) \
        + [f"(?P<g{i}>{t['re'].pattern})" for i, t in enumerate(terms) if t["re"]]
    starts = {w[0] for t in terms if t["re"] for w in t["words"]} | {w[0] for w in never}
    starts |= {c.swapcase() for c in starts}
    big = re.compile(r"(?<![\w])(?=[" + re.escape("".join(sorted(starts))) + "])(?:" + "|".join(alts) + ")")
    group_term = {f"g{i}": t for i, t in enumerate(terms)}
    linked = set()
    anchors = {t["id"]: [] for t in terms}
    state = {"pos": 0.0, "section": 0, "chapter": 0, "counting": False}
    last = {}                    # term id -> (chapter, section, pos) of its last index id
    uses = {}                    # (term id, section) -> how many uses (the first pass counts)

    def use(t):
        """What a use of term t becomes: ("link" or "anchor" or None, the index id or "")."""
        if state["counting"]:
            key = (t["id"], state["section"])
            uses[key] = uses.get(key, 0) + 1
            return None, ""
        first = t["id"] not in linked
        linked.add(t["id"])
        ident = ""
        if index:
            prev = last.get(t["id"])
            if prev is None or (prev[1] != state["section"] and state["pos"] - prev[2] >= 1
                                and (prev[0] != state["chapter"]
                                     or uses[t["id"], state["section"]] >= INDEX_SECTION_USES)):
                last[t["id"]] = (state["chapter"], state["section"], state["pos"])
                ident = f"ix-{t['id'][len(gloss_id) + 1:]}-{len(anchors[t['id']]) + 1}"
                anchors[t["id"]].append(ident)
        return ("link" if first else "anchor" if ident else None), ident

    def wrap(t, what, ident, content):
        if what == "link":
            return {"t": "Link", "c": [[ident, [], []], content, ["#" + t["id"], ""]]}
        return {"t": "Span", "c": [[ident, ["ix"], []], content]}

    def run(items):
        """A run of Str, Space and SoftBreak: its uses linked or anchored."""
        text = "".join(x["c"] if x["t"] == "Str" else "\n" if x["t"] == "SoftBreak" else " " for x in items)
        out, at, changed = [], 0, False
        for m in big.finditer(text):
            t = group_term.get(m.lastgroup)
            what, ident = use(t) if t else (None, "")
            if what:
                out += _tokens(text[at:m.start()])
                out.append(wrap(t, what, ident, _tokens(m.group(0))))
                at, changed = m.end(), True
        state["pos"] += len(text) / (PAGE_CHARS * PAGE_LINES_TEXT)
        return out + _tokens(text[at:]) if changed else items

    def inlines(lst):
        out, pending = [], []
        for x in lst:
            t = x.get("t")
            if t in ("Str", "Space", "SoftBreak"):
                pending.append(x)
                continue
            if pending:
                out += run(pending)
                pending = []
            if t == "Code" and x["c"][1] in by_code:
                what, ident = use(by_code[x["c"][1]])
                if what:
                    x = wrap(by_code[x["c"][1]], what, ident, [x])
            elif t == "Link":
                target = x["c"][2][0]
                if target.startswith("#") and target[1:] in by_id:
                    # a link written by hand to the entry: a use, already linked
                    what, ident = use(by_id[target[1:]])
                    if ident:
                        if x["c"][0][0]:
                            x = wrap(by_id[target[1:]], "anchor", ident, [x])
                        else:
                            x["c"][0][0] = ident
            elif t not in _SKIP:
                walk(x.get("c"))
            out.append(x)
        if pending:
            out += run(pending)
        return out

    def walk(node):
        if isinstance(node, list):
            if node and isinstance(node[0], dict) and node[0].get("t") in _INLINE:
                node[:] = inlines(node)
                return
            for x in node:
                walk(x)
        elif isinstance(node, dict):
            t = node.get("t")
            if t == "Header" and node["c"][0] <= 2:
                state["section"] += 1
                state["chapter"] += node["c"][0] == 1
            if t in _SKIP or (t == "Div" and _SKIP_DIV & set(node["c"][0][1])):
                if t == "CodeBlock":
                    state["pos"] += node["c"][1].count("\n") / PAGE_LINES_CODE
                elif t == "Div" and "listing" in node["c"][0][1]:
                    walk_code(node)
                return
            walk(node.get("c"))

    def walk_code(node):
        if isinstance(node, dict):
            if node.get("t") == "CodeBlock":
                state["pos"] += (node["c"][1].count("\n") + 1) / PAGE_LINES_CODE
            else:
                walk_code(node.get("c"))
        elif isinstance(node, list):
            for x in node:
                walk_code(x)

    # Twice: the first pass only counts the uses in each section (it changes nothing).
    for counting in ((True, False) if index else (False,)):
        state.update(pos=0.0, section=0, chapter=0, counting=counting)
        for d in docs:
            if d is not gloss[0] and not (d["blocks"] and d["blocks"][0].get("t") == "Header"
                                          and REFERENCES_CHAPTER.search(d["blocks"][0]["c"][1][0])):
                walk(d["blocks"])
    return terms, {k: v for k, v in anchors.items()}



def _sort_key(text):
    return re.sub(r"[^a-z0-9 ]", "", text.lower())


def book_index(docs):
    """Link the glossary's terms in `docs` (see link_glossary) and return the blocks of the
    printed book's index: a level-1 heading and, for each term in alphabetical order, the term
    (a link to its entry) and the pages of its uses, which WeasyPrint writes in place of the
    empty links (print.css: target-counter). The blocks sit in a div of class "book-index",
    which book/finish.lua keeps for the PDF only: the other formats have no pages."""
    terms, anchors = link_glossary(docs, index=True)
    if not terms:
        return []
    entries = []
    for t in sorted(terms, key=lambda t: _sort_key(t["text"])):
        # the commas and spaces are text, not CSS: WeasyPrint breaks lines only there
        refs = []
        for a in anchors[t["id"]]:
            refs += [{"t": "Str", "c": ","}, {"t": "Space"},
                     {"t": "Link", "c": [["", ["ix-ref"], []], [], ["#" + a, ""]]}]
        entries.append({"t": "Para", "c": [
            {"t": "Link", "c": [["", [], []], t["label"], ["#" + t["id"], ""]]}] + refs})
    return [{"t": "Div", "c": [["", ["book-index"], []], [
        {"t": "Header", "c": [1, ["book-index", ["unnumbered"], []], [{"t": "Str", "c": "Index"}]]},
        {"t": "Para", "c": _tokens("The terms of the glossary, each with the pages that use it; the "
                                   "term leads to its entry.")},
        {"t": "Div", "c": [["", ["book-index-entries"], []], entries]}]]}]

def cmd_batch(requests):
    """Several of the commands above in one run (the include filter asks for a chapter's diffs,
    diffstat, files and exercises at once: each run of python3 costs about 50 ms of CPU). One
    request per line of `requests`, its words separated by tabs; the answers in the same order,
    each followed by a NUL byte. A request that fails (an exception, an exit) answers "\1"
    alone: the filter then runs it by itself, and sees the failure as it would have."""
    import contextlib, io
    global _unified_memo
    _unified_memo = {}
    for line in requests.splitlines():
        argv = line.split("\t")
        out = io.StringIO()
        try:
            if argv[0] not in ("diff", "stat", "files", "exercises"):
                raise ValueError(f"not a batch command: {argv[0]}")
            with contextlib.redirect_stdout(out):
                main(argv)
            answer = out.getvalue()
        except (Exception, SystemExit):
            answer = "\1"
        sys.stdout.write(answer + "\0")
    _unified_memo = None


def main(argv):
    root = "."  # the command line runs from the top of the tree (make, the include filter)
    if len(argv) >= 1 and argv[0] == "anchors":
        cmd_anchors(root, argv[1:])
    elif len(argv) == 3 and argv[0] == "files":
        cmd_files(root, argv[1], argv[2])
    elif len(argv) >= 4 and argv[0] == "diff":
        cmd_diff(root, *argv[1:4])
    elif len(argv) == 3 and argv[0] == "stepdiff":
        cmd_stepdiff(root, argv[1], argv[2])
    elif len(argv) == 3 and argv[0] == "stat":
        cmd_stat(root, argv[1], argv[2])
    elif len(argv) >= 3 and argv[0] == "merge":
        cmd_merge(argv[1], argv[2:])
    elif len(argv) >= 3 and argv[0] == "html":
        # booktool.py html OUT_DIR AST... -- PANDOC_OPTION...
        rest = argv[1:]
        cut = rest.index("--") if "--" in rest else len(rest)
        cmd_html(rest[0], rest[1:cut], rest[cut + 1:])
    elif len(argv) >= 2 and argv[0] == "srcpages":
        cmd_srcpages(root, argv[1], argv[2:])
    elif argv == ["print"]:
        cmd_print(sys.stdin, sys.stdout)
    elif len(argv) >= 2 and argv[0] == "changes":
        cmd_changes(root, argv[1], argv[2:])
    elif len(argv) == 2 and argv[0] == "exercises":
        cmd_exercises(root, argv[1])
    elif argv == ["batch"]:
        cmd_batch(sys.stdin.read())
    elif argv and argv[0] == "coverage":
        cmd_coverage(root, [a for a in argv[1:] if a != "-v"], verbose="-v" in argv)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
