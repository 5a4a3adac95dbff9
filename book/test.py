"""The book's checks (group "book" of common/test/run.py; `make book-check` runs only these).

The book is built once (`make book` in the tree) and the checks that need it share that build.
Checks that break things do it in a temporary copy of the tree, never in the tree itself.
Every subprocess has a timeout.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import unquote, urlsplit

import harness  # noqa: E402
from harness import TOP, CheckFailed, check, expect_eq, expect_true
import png  # common/test/png.py, beside harness

import booktool  # book/booktool.py: run.py puts book/ on the path while it loads this file

BOOK = os.path.join(TOP, "build", "book")
FILTER = os.path.join(TOP, "book", "include.lua")


def clean_env():
    """The environment for a nested make: without the make that may be running us."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES"):
        env.pop(k, None)
    return env


def run(args, cwd=TOP, timeout=300, **kw):
    try:
        return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              env=clean_env(), **kw)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"{' '.join(args)} did not finish within {timeout} s")


def chapters():
    d = os.path.join(TOP, "chapters")
    return sorted(f[:-3] for f in os.listdir(d)
                  if re.match(r"^(\d\d-|appendix-).*\.md$", f)) if os.path.isdir(d) else []


# ------------------------------------------------------------------------------------------
# The one build of the book the checks share

_locks = {t: threading.Lock() for t in ("book-common", "book-html", "book-epub", "book-pdf")}
_builds = {}


def _make(target, timeout=600):
    """Run `make TARGET` in the tree once; every later call gets the same result. One lock per
    target: a check that needs the HTML does not wait for the PDF."""
    with _locks[target]:
        if target not in _builds:
            start = time.monotonic()
            # The figure rules (boots of the kernels) and the chapters run two at a time: they
            # are on the longest path of the run, with the PDF after them.
            jobs = ["-j2"] if target in ("book-common", "book-html") else []
            r = run(["make", "--no-print-directory", *jobs, target], timeout=timeout)
            _builds[target] = dict(rc=r.returncode, out=r.stdout, err=r.stderr,
                                   seconds=time.monotonic() - start)
    b = _builds[target]
    if b["rc"] != 0:
        raise CheckFailed(f"make {target} failed (status {b['rc']}):\n{b['err'][-1500:]}")
    return b


def built_common():
    """What the HTML pages, the EPUB and the PDF share (make book-common: the chapters' ASTs,
    book.json, the figures), built once; after it the three are made side by side."""
    return _make("book-common")


def built():
    """The HTML book, built once (the checks that copy the tree wait for it, not for the PDF)."""
    built_common()
    return _make("book-html")


def built_epub():
    """The EPUB, after what it shares with the HTML and the PDF, beside them."""
    built_common()
    return _make("book-epub")


def built_pdf():
    """The PDF, after what it shares with the HTML and the EPUB, beside them; made here only,
    once per run, and only when its inputs changed."""
    built_common()
    return _make("book-pdf")


def uses():
    """[(chapter, kind, fields...)] of every chapter's .uses file (after the build)."""
    built()
    return booktool.read_uses([os.path.join(BOOK, "ast", c + ".uses") for c in chapters()])


def copy_tree(tmp):
    """The tree without .git/ in tmp/tree, with the book and the kernels already built (once,
    by built(); the copy keeps every file's time, so make in the copy redoes only what the
    check changes); returns its path. Not copied: the source pages (build/book/src/, 670 files:
    make writes them all again when any chapter changes, and every check that copies the tree
    changes one), what book-html does not read (the EPUB, the PDF and print.html), and what
    only the steps' checks use (build/NN/debug, host and fuzz-corpus, build/exercise*)."""
    built()
    dst = os.path.join(tmp, "tree")
    os.makedirs(dst)
    # Other checks run beside this one: *.tmp is a file a rule is still writing (print.html.tmp
    # while the PDF is made), and a file may go between the listing and the copy.
    common = shutil.ignore_patterns("__pycache__", "*.pyc", ".git", "*.tmp")

    def ignore(d, names):
        out = set(common(d, names))
        if os.path.normpath(d) == BOOK:
            out |= {n for n in names if n == "src" or n.startswith(("print.html", "the-book-that-boots."))}
        # Nor what only the steps' checks make: debug kernels, host tests, fuzz corpora, and
        # workshop trees (a third of build/ when the checks ran first).
        parent = os.path.dirname(os.path.normpath(d))
        if parent == os.path.join(TOP, "build"):
            out |= {n for n in names if n in ("debug", "host", "fuzz-corpus")}
        elif os.path.normpath(d) == os.path.join(TOP, "build"):
            out |= {n for n in names if n.startswith("exercise")}
        return out

    def copy_present(src, dst):
        try:
            shutil.copy2(src, dst)
        except FileNotFoundError:
            pass

    for name in sorted(os.listdir(TOP)):
        if name in (".git", "compile_commands.json"):
            continue
        src = os.path.join(TOP, name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(dst, name), ignore=ignore, symlinks=True,
                            copy_function=copy_present)
        elif os.path.isfile(src):
            shutil.copy2(src, os.path.join(dst, name))
    return dst


# ------------------------------------------------------------------------------------------


@check("html-builds", cost=30)
def html_builds(_):
    """make book-html writes index.html and a page per chapter, and nothing warns. The other
    checks of the book need this one (they start when it is done)."""
    b = built()
    for c in ["index"] + chapters():
        p = os.path.join(BOOK, c + ".html")
        expect_true(os.path.isfile(p) and os.path.getsize(p) > 0, f"make book-html did not write {p}")
    quiet("book-common", built_common())
    quiet("book-html", b)


def quiet(target, b):
    """Pandoc runs with --fail-if-warnings and the PDF rule fails on WeasyPrint's warnings, so
    a build that succeeded had none; this catches anything else that talks."""
    expect_eq(b["err"].strip(), "", f"make {target}'s stderr")
    chatter = [line for line in b["out"].splitlines() if not line.startswith(("book: ", "setup: "))]
    expect_eq(chatter, [], f"unexpected output from make {target}")


@check("epub-builds", cost=10)
def epub_builds(_):
    """make book-epub writes the EPUB, and nothing warns."""
    b = built_epub()
    with open(os.path.join(BOOK, "the-book-that-boots.epub"), "rb") as f:
        epub = f.read(80)
    # An EPUB is a zip whose first member is the uncompressed file "mimetype".
    expect_true(epub[30:38] == b"mimetype" and b"application/epub+zip" in epub,
                "the EPUB does not start with its mimetype member")
    quiet("book-epub", b)


@check("builds", cost=60)
def builds(_):
    """make book-pdf writes the PDF (the HTML and EPUB have their own checks), and nothing
    warns."""
    b = built_pdf()
    with open(os.path.join(BOOK, "the-book-that-boots.pdf"), "rb") as f:
        pdf = f.read()
    expect_true(pdf.startswith(b"%PDF-"), "the PDF does not start with %PDF-")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    expect_true(pages >= 2, f"the PDF has {pages} pages")
    quiet("book-pdf", b)


@check("listings fit the paper", needs=("builds",))
def listings_fit_paper(_):
    """In print.html (what WeasyPrint lays out) every listing line has at most 100 columns, so
    none runs out of its box (book/print.css does not let them wrap there); no listing was highlighted by Pandoc (book/finish.lua
    writes every language the book uses as plain text with its comments marked: a new language
    belongs in its table); booktool.fold keeps every character and the comment spans (a line cut
    inside a comment is closed and opened again)."""
    import html as htmlmod
    built_pdf()
    with open(os.path.join(BOOK, "print.html"), encoding="utf-8") as f:
        page = f.read()
    listings = re.findall(r'<code class="sourceCode[^"]*">(.*?)</code>', page, re.S)
    expect_true(len(listings) > 100, f"print.html has {len(listings)} listings")
    long = [line for code in listings for line in code.split("\n")
            if len(htmlmod.unescape(re.sub(r"<[^>]*>", "", line))) > booktool.PRINT_COLUMNS]
    expect_eq(long[:3], [], "listing lines of print.html longer than the page")
    highlighted = sorted(set(re.findall(r'<code class="sourceCode ([\w-]+)"><span id="cb', page)))
    expect_eq(highlighted, [], "languages Pandoc highlighted in print.html (add them to "
                               "book/finish.lua's LANGS)")
    line = "x = 1;   " + '<span class="co">/* ' + "word " * 40 + "&lt;end&gt; */</span>"
    rows = booktool.fold(line).split("\n")
    expect_eq(len(rows), 3, f"rows of a 218-column line: {rows}")
    expect_true(all(r.count("<span") == r.count("</span>") for r in rows), f"unbalanced: {rows}")
    expect_eq("".join(r[4:] if i else r for i, r in enumerate(rows)).replace('</span><span class="co">', ""),
              line, "the folded rows joined again")


def epubcheck_command():
    """How to run EPUBCheck. Debian's /usr/bin/epubcheck is the jar itself, which runs directly
    only where binfmt_misc hands jars to Java (jarwrapper); containers often lack that, so a
    jar is run with java -jar."""
    exe = shutil.which("epubcheck")
    expect_true(exe, "epubcheck not found (Debian package epubcheck; make setup)")
    real = os.path.realpath(exe)
    if real.endswith(".jar"):
        java = shutil.which("java")
        expect_true(java, f"{exe} is a jar and java is not found (Debian package default-jre)")
        # A short run: the quick JIT alone and one GC thread use half the CPU time of the
        # defaults for the same wall time (measured: 9 s of CPU instead of 15).
        return [java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", real]
    return [exe]


def epub_problems(path, timeout=300):
    """EPUBCheck's fatal errors, errors and warnings for the EPUB at path, one line each
    (empty: valid). Its exit status and its summary line must agree with the lines."""
    with tempfile.TemporaryDirectory(prefix="book-epubcheck-") as tmp:
        r = run(epubcheck_command() + [path], cwd=tmp, timeout=timeout)
    out = r.stdout + r.stderr
    problems = [line for line in out.splitlines() if re.match(r"^(FATAL|ERROR|WARNING)\b", line)]
    summary = re.search(r"Messages: (\d+) fatals? / (\d+) errors? / (\d+) warnings?", out)
    if summary is None:
        problems.append(f"epubcheck printed no summary (status {r.returncode}): {out[-600:]}")
    elif sum(map(int, summary.groups())) and not problems:
        problems.append(summary.group(0))
    if r.returncode != 0 and not problems:
        problems.append(f"epubcheck exited with status {r.returncode}: {out[-600:]}")
    return problems


@check("epub-valid", cost=20, needs=("epub-builds",))
def epub_valid(_):
    """EPUBCheck finds no error and no warning in the EPUB (SVG figures without a DOCTYPE, no
    paper-only CSS: see book/README.md)."""
    built_epub()
    problems = epub_problems(os.path.join(BOOK, "the-book-that-boots.epub"))
    if problems:
        shown = [p.replace(BOOK + os.sep, "") for p in problems[:30]]
        more = f"\n... and {len(problems) - 30} more" if len(problems) > 30 else ""
        raise CheckFailed(f"EPUBCheck reports {len(problems)} problem(s) in the EPUB:\n"
                          + "\n".join(shown) + more)


@check("every step has a chapter", needs=("html-builds",))
def every_step_has_chapter(_):
    """chapters/NN-*.md exists for steps/NN-name and shows code of that step."""
    shown = {}
    for u in uses():
        if u[1] == "show":
            shown.setdefault(u[0], set()).add(u[2].split("/")[1])
    missing = []
    for step in booktool.steps(TOP):
        nn = step[:2]
        mine = [c for c in chapters() if c.startswith(nn + "-")]
        if not mine:
            missing.append(f"steps/{step} has no chapters/{nn}-*.md")
        elif not any(step in shown.get(f"chapters/{c}.md", ()) for c in mine):
            missing.append(f"chapters/{mine[0]}.md shows no code of steps/{step}")
    expect_eq(missing, [], "steps without a chapter")


@check("every chapter opens with its diffstat", needs=("html-builds",))
def chapter_diffstat(_):
    """Each step's chapter (from the second step on) shows what changed since the step before."""
    stats = {(u[0], u[2], u[3]) for u in uses() if u[1] == "diffstat"}
    steps = booktool.steps(TOP)
    missing = []
    for prev, step in zip(steps, steps[1:]):
        for c in chapters():
            if c.startswith(step[:2] + "-"):
                if (f"chapters/{c}.md", prev, step) not in stats:
                    missing.append(f'chapters/{c}.md has no ```{{.diffstat from="{prev}" to="{step}"}}```')
    expect_eq(missing, [], "chapters without their diffstat")


@check("every anchor is used", needs=("html-builds",))
def anchors_used(_):
    """Every ANCHOR in steps/ and tools/ is well formed and shown by some chapter: by name, or
    inside a whole-file or line-range listing, or (for a region a step kept unchanged) in an
    earlier step."""
    u = uses()
    named = {(x[2], x[3]) for x in u if x[1] == "show"}
    lines, _, _ = booktool.shown_in_book(TOP, u)
    problems, unused = [], []
    # Steps, and the real-hardware tools the appendix shows (tools/ is walked like a step).
    sources = [f"steps/{step}/{f}" for step in booktool.steps(TOP) for f in booktool.step_files(TOP, step)]
    sources += [f"tools/{f}" for f in booktool.step_files(TOP, "../tools")]
    for path in sources:
        try:
            good, bad = booktool.anchors(TOP, path)
        except UnicodeDecodeError:
            continue
        problems += bad
        text = booktool.read_lines(TOP, path)
        hidden = booktool.hidden_lines(TOP, path)     # anchor and exercise markers, stand-ins
        for name, (s, e) in sorted(good.items(), key=lambda x: x[1]):
            body = {i for i in range(s + 1, e) if i not in hidden and text[i - 1].strip()}
            if (path, name) not in named and not (body and body <= lines.get(path, set())):
                unused.append(f"{path}: {name}")
    expect_eq(problems, [], "malformed anchors")
    expect_eq(unused, [], "anchors no chapter shows")


@check("kernel code is included, never pasted", needs=("html-builds",))
def no_pasted_code(_):
    pasted = [f"{u[0]}: a ```{u[2]} block starting {u[3]!r}" for u in uses() if u[1] == "pasted"]
    expect_eq(pasted, [], "C, assembly or linker-script blocks written into a chapter")


# ------------------------------------------------------------------------------------------
# Links


# A start tag: its name and attributes (a quoted value may hold ">"). Comments, declarations and
# the text of <script> and <style> hold no tags. As html.parser reads the book's pages (the same
# ids, links and duplicates on every page, compared once), in a third of its time.
_TAG = re.compile(r"""<!--.*?-->|<[!?][^>]*>|<(script|style)\b((?:"[^"]*"|'[^']*'|[^'">])*)>.*?</\1\s*>"""
                  r"""|<([a-zA-Z][^\s/>]*)((?:"[^"]*"|'[^']*'|[^'">])*)>""", re.S | re.I)
_ATTR = re.compile(r"""([^\s=/>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")


class _Page:
    """A page's ids, the ids it has twice, and its links: [(tag, href or src)]."""

    def __init__(self, text):
        import html
        self.ids, self.refs, self.dups = set(), [], []
        for m in _TAG.finditer(text):
            tag, attrs = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            if not tag or not re.search(r"(?i)id|href|src", attrs):
                continue
            a = {}
            for k, v in _ATTR.findall(attrs):
                if v[:1] in ("'", '"'):
                    v = v[1:-1]
                a[k.lower()] = html.unescape(v) if "&" in v else v
            if a.get("id"):
                if a["id"] in self.ids:
                    self.dups.append(a["id"])
                self.ids.add(a["id"])
            for k in ("href", "src"):
                if a.get(k):
                    self.refs.append((tag.lower(), a[k]))


def parse_html(path, cache):
    if path not in cache:
        with open(path, encoding="utf-8") as f:
            cache[path] = _Page(f.read())
    return cache[path]


@check("internal links resolve", cost=15, needs=("html-builds",))
def links(_):
    """Every href and src in the HTML book (chapters, index, source pages) names a file that
    exists and, with a #fragment, an id on that page; no page has an id twice."""
    built()
    cache, broken, exists = {}, [], {}
    pages = []
    for root, _dirs, names in os.walk(BOOK):
        if os.path.relpath(root, BOOK).startswith("ast"):
            continue
        pages += [os.path.join(root, n) for n in names if n.endswith(".html") and n != "print.html"]
    expect_true(len(pages) >= len(chapters()) + 1, f"only {len(pages)} HTML pages in {BOOK}")
    checked = 0
    for page in sorted(pages):
        p = parse_html(page, cache)
        rel = os.path.relpath(page, BOOK)
        for d in p.dups:
            broken.append(f"{rel}: id '{d}' twice")
        for tag, ref in p.refs:
            if ref in ("", "#"):
                broken.append(f"{rel}: an empty link ({tag} {ref!r}): a [reference] that found no heading?")
                continue
            u = urlsplit(ref)
            if u.scheme or ref.startswith("//"):
                continue  # the outside world: not checked (and not reachable from here)
            target = os.path.normpath(os.path.join(os.path.dirname(page), unquote(u.path))) \
                if u.path else page
            checked += 1
            if not target.startswith(BOOK + os.sep) and target != BOOK:
                broken.append(f"{rel}: {ref} leads out of build/book")
            elif not (exists[target] if target in exists else exists.setdefault(target, os.path.exists(target))):
                broken.append(f"{rel}: {ref}: no such file")
            elif u.fragment and target.endswith(".html"):
                if unquote(u.fragment) not in parse_html(target, cache).ids:
                    broken.append(f"{rel}: {ref}: no id '{u.fragment}' there")
    expect_true(checked > 0, "no links found in the HTML book")
    expect_eq(broken[:20], [], f"broken links ({len(broken)})")


# ------------------------------------------------------------------------------------------
# The include filter, on sources made up for the purpose


PROBE_C = """int a;
/* ANCHOR: outer */
int b;
\t/* ANCHOR: inner */
\tint c;\t\t// tab
\t/* ANCHOR_END: inner */
int d;
/* ANCHOR: over */
int e;
/* ANCHOR_END: outer */
int f;
/* ANCHOR_END: over */
"""

PROBE_MK = """# ANCHOR: rule
all:
\t@echo hello
# ANCHOR_END: rule
"""

PROBE_S = """    .text
    // ANCHOR: two
    nop
    @ ANCHOR: inner
    ret
    @ ANCHOR_END: inner
    // ANCHOR_END: two
"""

GOOD = """# Probe

```{.c include="steps/99-probe/probe.c" anchor="outer"}
```

```{.c include="steps/99-probe/probe.c" anchor="inner"}
```

```{.c include="steps/99-probe/probe.c" anchor="over"}
```

```{.c include="steps/99-probe/probe.c" lines="1-3"}
```

```{.c include="steps/99-probe/probe.c"}
```

```{.make include="steps/99-probe/Makefile" anchor="rule"}
```

```{.asm include="steps/99-probe/probe.S" anchor="two"}
```

```{.diff from="98-old" to="99-probe" file="probe.c"}
```

```{.diffstat from="98-old" to="99-probe"}
```

```{.markdown include="build/gen/probe-table.md"}
```

## A section

See [probe.c](../steps/99-probe/probe.c#L5), [the chapter](10-good.md), [A section],
[this section](#a-section), [another chapter](20-other.md) and [its section](20-other.md#a-section).
"""

BAD = """# Broken

```{.c include="steps/99-probe/nope.c" anchor="x"}
```

```{.c include="steps/99-probe/probe.c" anchor="missing"}
```

```{.c include="steps/99-probe/dup.c" anchor="d"}
```

```{.c include="steps/99-probe/unbalanced.c" anchor="u"}
```

```{.c include="steps/99-probe/probe.c" anchor="inner" lines="1-2"}
```

```{.diff from="97-none" to="99-probe" file="probe.c"}
```

```{.c include="steps/99-probe/probe.c" anchor="inner"}
int c; /* pasted */
```

```{.markdown include="build/gen/missing.md"}
```

A [link to a directory](../steps/99-probe/) and [to a missing file](../steps/99-probe/gone.c).
"""

BAD_EXPECTED = [
    "chapters/90-bad.md: file steps/99-probe/nope.c not found",
    "chapters/90-bad.md: anchor 'missing' not found in steps/99-probe/probe.c",
    "chapters/90-bad.md: anchor 'd' is duplicated in steps/99-probe/dup.c (ANCHOR: on lines 1, 3)",
    "chapters/90-bad.md: anchor 'u' is unbalanced in steps/99-probe/unbalanced.c "
    "(ANCHOR: on line 1, no ANCHOR_END:)",
    "chapters/90-bad.md: anchor='inner' and lines='1-2' together on an include of "
    "steps/99-probe/probe.c: use one of them",
    "chapters/90-bad.md: step directory steps/97-none not found",
    "chapters/90-bad.md: the block including steps/99-probe/probe.c (anchor 'inner') is not empty: "
    "the code comes from the file, leave the block empty",
    "chapters/90-bad.md: file build/gen/missing.md not found (generated text is made by a rule "
    "in chapters/figures/*.mk that adds it to BOOK_GENERATED)",
    "chapters/90-bad.md: link to ../steps/99-probe/: no file steps/99-probe/ "
    "(the book has a page for each file, not for directories)",
    "chapters/90-bad.md: link to ../steps/99-probe/gone.c: no file steps/99-probe/gone.c "
    "(the book has a page for each file, not for directories)",
]


def _write(root, files):
    for path, text in files.items():
        p = os.path.join(root, path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)


def _code_blocks(node, out):
    if isinstance(node, dict):
        if node.get("t") == "CodeBlock":
            out.append((node["c"][0][1], node["c"][1]))
        elif node.get("t") == "Div" and "listing-caption" in node["c"][0][1]:
            out.append(("caption", json.dumps(node["c"][1])))
        for v in node.values():
            _code_blocks(v, out)
    elif isinstance(node, list):
        for v in node:
            _code_blocks(v, out)
    return out


def _link_targets(node, out):
    if isinstance(node, dict):
        if node.get("t") == "Link":
            out.append(node["c"][2][0])
        for v in node.values():
            _link_targets(v, out)
    elif isinstance(node, list):
        for v in node:
            _link_targets(v, out)
    return out


@check("include filter: nested, overlapping, ranges, diffs, errors", cost=15)
def include_filter(_):
    with tempfile.TemporaryDirectory(prefix="book-filter-") as tmp:
        _write(tmp, {
            "steps/99-probe/probe.c": PROBE_C,
            "steps/99-probe/Makefile": PROBE_MK,
            "steps/99-probe/probe.S": PROBE_S,
            "steps/98-old/probe.c": PROBE_C.replace("int d;\n", "int old_d;\n"),
            "steps/98-old/Makefile": PROBE_MK,
            "steps/99-probe/dup.c": "/* ANCHOR: d */\nx\n/* ANCHOR: d */\n/* ANCHOR_END: d */\n",
            "steps/99-probe/unbalanced.c": "/* ANCHOR: u */\nx\n",
            "chapters/10-good.md": GOOD,
            "chapters/20-other.md": "# Other\n\n## A section\n",
            "chapters/90-bad.md": BAD,
            "build/gen/probe-table.md": "| figure | value |\n|---|--:|\n| `irq` | 139 |\n",
        })
        os.makedirs(os.path.join(tmp, "out"))
        r = filter_chapter(tmp, "10-good", out="out/10-good.json", strict=True)
        expect_eq((r.returncode, r.stderr), (0, ""), "pandoc on a chapter with good includes")
        with open(os.path.join(tmp, "out", "10-good.json")) as f:
            blocks = _code_blocks(json.load(f), [])
        code = [b for b in blocks if b[0] != "caption"]
        captions = [json.loads(b[1]) for b in blocks if b[0] == "caption"]
        want = [
            (["c"], "int b;\n        int c;          // tab\nint d;\nint e;"),  # nested: markers out
            (["c"], "int c;          // tab"),                                 # dedented, tabs expanded
            (["c"], "int e;\nint f;"),                                         # overlapping
            (["c"], "int a;\nint b;"),                                         # lines= (marker dropped)
            (["c"], "int a;\nint b;\n        int c;          // tab\nint d;\nint e;\nint f;"),
            (["makefile"], "all:\n        @echo hello"),
            (["aarch64asm"], "nop\nret"),
        ]
        for i, (classes, text) in enumerate(want):
            expect_true(i < len(code), f"only {len(code)} code blocks in the output")
            expect_eq(code[i], (classes, text), f"listing {i + 1}")
        diff = code[7][1]
        expect_true(code[7][0] == ["diff"] and "--- steps/98-old/probe.c\n+++ steps/99-probe/probe.c"
                    in diff and "\n-int old_d;\n+int d;\n" in diff and "ANCHOR" not in diff,
                    f"the diff block: {code[7]!r}")
        expect_true(code[8][0] == ["diffstat"] and "probe.c" in code[8][1] and "dup.c" in code[8][1]
                    and "files changed" in code[8][1], f"the diffstat block: {code[8]!r}")
        cap = json.dumps(captions[0])
        expect_true('"Listing 10.1"' in cap and "src/steps/99-probe/probe.c.html#L3" in cap
                    and "lines 3\\u20139" in cap, f"the first caption: {cap}")
        with open(os.path.join(tmp, "out", "10-good.uses")) as f:
            rec = f.read()
        expect_true("show\tsteps/99-probe/probe.c\touter\t3,5,7,9\n" in rec,
                    f"the .uses record of the nested anchor: {rec!r}")
        with open(os.path.join(tmp, "out", "10-good.json")) as f:
            doc = json.load(f)
        tables = [b for b in doc["blocks"] if b.get("t") == "Div" and "generated" in b["c"][0][1]]
        expect_true(len(tables) == 1 and tables[0]["c"][1][0]["t"] == "Table"
                    and "139" in json.dumps(tables[0]),
                    f"the generated Markdown table: {json.dumps(tables)[:300]}")
        with open(os.path.join(tmp, "out", "10-good.d")) as f:
            expect_true("build/gen/probe-table.md" in f.read(),
                        "the generated Markdown is not a dependency in 10-good.d")
        with open(os.path.join(tmp, "out", "10-good.json")) as f:
            links = _link_targets(json.load(f), [])
        expect_eq(links[-6:], ["src/steps/99-probe/probe.c.html#L5", "#10-good", "#10-good-a-section",
                               "#10-good-a-section", "#20-other", "#20-other-a-section"], "rewritten links")

        r = filter_chapter(tmp, "90-bad", out="out/90-bad.json")
        expect_eq(r.returncode, 1, "pandoc's exit status on broken includes")
        expect_eq(sorted(r.stderr.splitlines()), sorted(BAD_EXPECTED), "the error messages")
        expect_true(not os.path.exists(os.path.join(tmp, "out", "90-bad.json")),
                    "pandoc wrote its output although the includes were broken")


# ------------------------------------------------------------------------------------------
# The real chapters, in a copy of the tree


def readers():
    """{file: {chapters that read it}}, from the .d files the include filter writes (what each
    chapter shows, both steps of its diffstat, the chapters before it)."""
    built()
    out = {}
    for c in chapters():
        with open(os.path.join(BOOK, "ast", c + ".d"), encoding="utf-8") as f:
            rule = f.read().split("\n", 1)[0]
        for p in rule.split(":", 1)[1].split():
            out.setdefault(p, set()).add(f"chapters/{c}.md")
    return out


def cheap_anchor_include():
    """(chapter, path, anchor) of an include by anchor whose file only its own chapter reads,
    in the smallest such chapter: an edit of that file in a copy of the tree makes that one
    chapter again, not every chapter whose diffstat reads the file (the first include, steps/01,
    made two chapters and a kernel again). The first include by anchor if there is none."""
    shows = [(u[0], u[2], u[3]) for u in uses() if u[1] == "show" and u[3] != "-"]
    if not shows:
        raise CheckFailed("no chapter includes code by anchor")
    who = readers()
    alone = [s for s in shows if who.get(s[1]) == {s[0]}]
    size = lambda s: os.path.getsize(os.path.join(BOOK, "ast", os.path.basename(s[0])[:-3] + ".json"))
    return min(alone, key=size) if alone else shows[0]


@check("renaming an anchor breaks make book", cost=15, needs=("html-builds",))
def broken_include(_):
    chapter, path, anchor = cheap_anchor_include()
    with tempfile.TemporaryDirectory(prefix="book-broken-") as tmp:
        tree = copy_tree(tmp)
        p = os.path.join(tree, path)
        with open(p) as f:
            text = f.read()
        renamed = re.sub(r"(ANCHOR(?:_END)?:\s*)" + re.escape(anchor) + r"\b", r"\1" + anchor + "_renamed",
                         text)
        expect_true(renamed != text, f"could not rename anchor {anchor} in the copy of {path}")
        with open(p, "w") as f:
            f.write(renamed)
        r = run(["make", "--no-print-directory", "book-html"], cwd=tree, timeout=300)
        want = f"{chapter}: anchor '{anchor}' not found in {path}"
        expect_true(r.returncode != 0, "make book-html succeeded with a renamed anchor")
        expect_true(want in r.stderr.splitlines(),
                    f"expected the line {want!r} from make, got {r.stderr[-800:]!r}")


@check("changing an anchored line changes the book", cost=15, needs=("html-builds",))
def edit_shows(_):
    chapter, path, anchor = cheap_anchor_include()
    good, _ = booktool.anchors(TOP, path)
    start, end = good[anchor]
    with tempfile.TemporaryDirectory(prefix="book-edit-") as tmp:
        tree = copy_tree(tmp)
        p = os.path.join(tree, path)
        with open(p) as f:
            lines = f.read().split("\n")
        # Change the first line of the region that has code on it: append a unique token.
        token = "book_check_probe_7f3a"
        for i in range(start, end - 1):
            if lines[i].strip() and not booktool.is_marker(lines[i]):
                sep = "  # " if path.endswith(("Makefile", ".mk", ".py")) else "  /* "
                lines[i] += sep + token + (" */" if "/*" in sep else "")
                break
        with open(p, "w") as f:
            f.write("\n".join(lines))
        r = run(["make", "--no-print-directory", "book-html"], cwd=tree, timeout=300)
        expect_eq(r.returncode, 0, f"make book-html in the copy ({r.stderr[-500:]})")
        stem = os.path.basename(chapter)[:-3]
        with open(os.path.join(tree, "build", "book", stem + ".html")) as f:
            page = f.read()
        expect_true(token in page, f"the changed line of {path} is not in {stem}.html")


@check("figures made by the build", cost=15, needs=("html-builds",))
def figures(_):
    """In a copy of the tree: a Graphviz figure and a QEMU screenshot of the first step, made
    by the rules book/README.md describes, appear in the chapter that shows them (the last
    numbered one: a chapter is rebuilt when an earlier one changes, so the last costs least)."""
    numbered = [c for c in chapters() if re.match(r"^\d\d-", c) and not c.startswith("00-")]
    expect_true(numbered, "no numbered chapter to put figures in")
    numbered = numbered[::-1]
    first = booktool.steps(TOP)[0]
    with tempfile.TemporaryDirectory(prefix="book-figures-") as tmp:
        tree = copy_tree(tmp)
        _write(tree, {
            "chapters/figures/zz-probe-graph.dot": 'digraph g { a -> b; }\n',
            "chapters/figures/zz-probe.mk":
                "BOOK_FIGURES += $(BOOK_FIG)/zz-probe-screen.png\n"
                f"$(BOOK_FIG)/zz-probe-screen.png: build/{first}/kernel8.img common/test/screenshot.py\n"
                "\t@python3 common/test/screenshot.py $< $@ --now >/dev/null\n",
        })
        with open(os.path.join(tree, "chapters", numbered[0] + ".md"), "a") as f:
            f.write("\n\n![A graph](figures/zz-probe-graph.svg)\n\n![The screen](figures/zz-probe-screen.png)\n")
        r = run(["make", "--no-print-directory", "book-html"], cwd=tree, timeout=300)
        expect_eq(r.returncode, 0, f"make book-html with two figures ({r.stderr[-600:]})")
        out = os.path.join(tree, "build", "book")
        with open(os.path.join(out, numbered[0] + ".html")) as f:
            page = f.read()
        for name in ("zz-probe-graph.svg", "zz-probe-screen.png"):
            expect_true(os.path.isfile(os.path.join(out, "figures", name)), f"the build made no figures/{name}")
            expect_true(f'src="figures/{name}"' in page, f"{numbered[0]}.html does not show figures/{name}")
        w, h, _ = png.read_png(os.path.join(out, "figures", "zz-probe-screen.png"))
        expect_true(w >= 320 and h >= 200, f"the QEMU screenshot is {w}x{h}")


# ------------------------------------------------------------------------------------------
# The HTML in a browser


@check("a chapter renders in Chromium", needs=("html-builds",))
def screenshot(_):
    """Headless Chromium opens the first chapter's page at a phone's width; the screenshot is
    not one colour, has dark text, and the stylesheet was applied (the blue chapter number)."""
    built()
    numbered = [c for c in chapters() if re.match(r"^\d\d-", c) and not c.startswith("00-")]
    expect_true(numbered, "no numbered chapter to open")
    page = os.path.join(BOOK, numbered[0] + ".html")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    expect_true(browser, "chromium not found (Debian package chromium; make setup)")
    with tempfile.TemporaryDirectory(prefix="book-chromium-") as tmp:
        shot = os.path.join(tmp, "shot.png")
        r = run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--hide-scrollbars", f"--user-data-dir={tmp}/profile",
                 "--window-size=412,1000", f"--screenshot={shot}", "file://" + page],
                cwd=tmp, timeout=90)
        expect_true(os.path.exists(shot), f"chromium wrote no screenshot (status {r.returncode}): "
                    f"{r.stderr[-400:]}")
        w, h, rgb = png.read_png(shot)
    counts = {}
    for y in range(0, h, 2):
        row = rgb[y * w * 3:(y + 1) * w * 3]
        for x in range(0, w * 3, 6):
            px = row[x:x + 3]
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    background, most = max(counts.items(), key=lambda kv: kv[1])
    other = total - most
    dark = sum(n for px, n in counts.items() if max(px) < 100)
    blue = sum(n for px, n in counts.items()
               if abs(px[0] - 0x2a) + abs(px[1] - 0x5d) + abs(px[2] - 0xb0) < 40)
    name = os.path.basename(page)
    expect_true(other / total > 0.03 and dark / total > 0.002,
                f"the screenshot of {name} ({w}x{h}) is blank: {100 * other / total:.2f} % of it "
                f"differs from the background #{background.hex()}, {100 * dark / total:.2f} % is dark")
    expect_true(blue >= 10, f"the screenshot of {name} has no blue (#2a5db0) chapter number or link: "
                "was book.css applied?")


@check("coverage report", needs=("html-builds",))
def coverage_report(_):
    """make book-coverage's numbers can be computed for every step (the figures are in the report)."""
    built()
    rows = booktool.coverage(TOP, [os.path.join(BOOK, "ast", c + ".uses") for c in chapters()])
    expect_eq([r[0] for r in rows], booktool.steps(TOP), "steps in the coverage report")
    for step, code, *_ in rows:
        expect_true(code > 0, f"steps/{step}: no code lines found")


# ------------------------------------------------------------------------------------------
# Citations

REFERENCES = "appendix-c-references"
# A citation: a link into the references appendix whose text names the document, then the
# section: [Arm ARM D5.2, "..."](appendix-c-references.md#arm-arm). The text may wrap a line.
_CITATION = re.compile(r"\[([^\]]+)\]\(" + REFERENCES + r"\.md#([\w-]+)\)")
# A citation written without the link: a document's name followed by a section number.
_UNLINKED = re.compile(r"\b(Arm ARM|DDI \d{4}|Cortex-A53 TRM|Technical Reference Manual|QA7|BCM283\d"
                       r"(?: ARM Peripherals)?|seL4 (?:Reference )?[Mm]anual)\b[*,]?\s+(§\s*\d|[A-D]\d+\.\d|"
                       r"(?:chapter|section) [A-D]?\d)")
# The appendix lists a document as a heading: ### Short name {#id}
_DOCUMENT = re.compile(r"^#+ (.+?) \{#([\w-]+)\}\s*$", re.M)


def _prose(text):
    """The chapter with its fenced blocks blanked (line numbers kept)."""
    return re.sub(r"^(```|~~~).*?^\1[^\n]*$", lambda m: "\n" * m.group(0).count("\n"),
                  text, flags=re.S | re.M)


@check("citations name documents the references appendix lists")
def citations(_):
    """Every citation in a chapter (a link into appendix C, its text starting with the document's
    name) names a document the references appendix lists, and no chapter cites a section of a
    document without that link."""
    path = os.path.join(TOP, "chapters", REFERENCES + ".md")
    expect_true(os.path.exists(path), f"chapters/{REFERENCES}.md is missing")
    with open(path, encoding="utf-8") as f:
        listed = {ident: name for name, ident in _DOCUMENT.findall(f.read())}
    problems = []
    for c in chapters():
        if c == REFERENCES:
            continue
        with open(os.path.join(TOP, "chapters", c + ".md"), encoding="utf-8") as f:
            text = _prose(f.read())
        for m in _CITATION.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            cited, ident = " ".join(m.group(1).split()), m.group(2)
            if ident not in listed:
                problems.append(f"chapters/{c}.md:{line}: cites {cited!r} as #{ident}, a document "
                                f"the references appendix does not list")
            elif not cited.startswith(listed[ident]):
                problems.append(f"chapters/{c}.md:{line}: the citation {cited!r} does not start with "
                                f"the name of the document it links to, {listed[ident]!r}")
        rest = _CITATION.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
        for m in _UNLINKED.finditer(rest):
            line = rest.count("\n", 0, m.start()) + 1
            problems.append(f"chapters/{c}.md:{line}: {m.group(0)!r} cites {m.group(1)!r} without "
                            f"a link to the references appendix ({REFERENCES}.md#...)")
    expect_eq(problems, [], "citations")


# ------------------------------------------------------------------------------------------
# Figures: text no smaller than 9 pt where it is printed

# The narrowest text column a figure is shown in: A4 paper, 210 mm wide, less the 20 mm margins
# on either side of book/print.css's @page (on screens book/book.css gives main 46rem, 552 pt).
# book/book.css shows a figure at its own width, shrunk to the column (max-width: 100%) and never
# enlarged, so one unit of an SVG prints at min(its width, the column) / its viewBox width.
TEXT_WIDTH_PT = (210 - 2 * 20) / 25.4 * 72        # 481.9 pt
MIN_FIGURE_PT = 9
_UNIT_PT = {"pt": 1, "px": 0.75, "": 0.75, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72, "pc": 12}


def _length_pt(text):
    m = re.match(r"^\s*([\d.]+)\s*([a-z]*)\s*$", text or "")
    return float(m.group(1)) * _UNIT_PT[m.group(2)] if m and m.group(2) in _UNIT_PT else None


def figure_text_sizes(path):
    """[(printed size in pt, the text)] for every <text> of an SVG figure, its font-size (its
    own, or the nearest ancestor's, in a font-size attribute or style) scaled to the page."""
    import xml.etree.ElementTree as ET
    root = ET.parse(path).getroot()
    box = [float(x) for x in re.split(r"[\s,]+", root.get("viewBox", "").strip()) if x] or None
    width = _length_pt(root.get("width")) or (box[2] * 0.75 if box else None)
    user = box[2] if box else width / 0.75
    scale = min(width, TEXT_WIDTH_PT) / user

    def size_of(el):
        m = re.search(r"font-size:\s*([\d.]+)", el.get("style", ""))
        return float(m.group(1)) if m else float(el.get("font-size")) if el.get("font-size") else None

    out = []

    def walk(el, inherited):
        own = size_of(el)
        size = own if own is not None else inherited
        if el.tag.endswith("}text") or el.tag == "text":
            out.append((size * scale, "".join(el.itertext()).strip()))
        for child in el:
            walk(child, size)

    walk(root, 16.0)  # the CSS default where nothing says otherwise
    return out


@check("figure text is 9 pt or more", needs=("html-builds",))
def figure_text(_):
    """Every SVG figure a chapter page shows: no text prints below 9 pt when the figure is shrunk
    to the A4 text column (TEXT_WIDTH_PT, from book/print.css)."""
    shown = set()
    for c in chapters():
        with open(os.path.join(BOOK, c + ".html"), encoding="utf-8") as f:
            shown |= set(re.findall(r'<img[^>]+src="(figures/[^"]+\.svg)"', f.read()))
    expect_true(shown, "no SVG figure in the book's pages")
    small = []
    for src in sorted(shown):
        sizes = figure_text_sizes(os.path.join(BOOK, src))
        if sizes and min(sizes)[0] < MIN_FIGURE_PT:
            pt, text = min(sizes)
            small.append(f"{src}: {text!r} prints at {pt:.1f} pt ({sum(s < MIN_FIGURE_PT for s, _ in sizes)} "
                         f"of {len(sizes)} texts below {MIN_FIGURE_PT} pt at a {TEXT_WIDTH_PT:.0f} pt column)")
    expect_eq(small, [], "figures whose text is too small")


# ------------------------------------------------------------------------------------------
# Suggested breakages: the "Try it" boxes (```{.breakage}``` blocks), made in a copy of the step

# run.py's lines: "PASS 04-mmu/name (from 01)", "FAIL 01-boot/name: message"
_RESULT = re.compile(r"^(PASS|FAIL) ([\w.-]+)/(.+?)(?: \(from [^)]*\))?(?:: .*)?$")
_SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$", re.M)

BREAKAGE_PROBE = """# Probe

```{.breakage step="99-probe" file="probe.S" delete="ret" fails="a-check"}
```

```{.breakage step="99-probe" file="probe.S" delete="nop" fails="a-check"}
```

```{.breakage step="99-probe" file="probe.S" replace="b   gone" with="b here" fails="a-check"}
```

```{.breakage step="99-probe" file="probe.S" delete="// ANCHOR: two" fails="a-check"}
```

```{.breakage step="99-probe" file="probe.S" delete="ret"}
```

```{.breakage step="99-probe" file="probe.S" delete="ret" fails="a-check" proof="later"}
```
"""

BREAKAGE_PROBE_EXPECTED = [
    "chapters/90-bad.md: the breakage's line 'nop' is on 2 lines (3, 8) in steps/99-probe/probe.S",
    "chapters/90-bad.md: the breakage's line 'b gone' is not found in steps/99-probe/probe.S",
    "chapters/90-bad.md: the breakage's line '// ANCHOR: two' is not found in steps/99-probe/probe.S",
    'chapters/90-bad.md: a .breakage block needs step=, file=, fails= and either delete="LINE" or '
    'replace="LINE" with="NEW LINE" (has step=99-probe file=probe.S delete=ret replace=nil with=nil '
    'fails=nil)',
    'chapters/90-bad.md: proof="later" on a breakage of steps/99-probe/probe.S: the only other '
    'proof is "test-exercises"',
]


def filter_chapter(tmp, stem, out=None, strict=False):
    """The include filter on the made-up chapters/STEM.md of the tree at tmp: Pandoc to JSON in
    `out` (default STEM.json), with --fail-if-warnings when `strict`; returns the process."""
    return run(["pandoc", *(["--fail-if-warnings"] if strict else []), "-f", "markdown",
                "--lua-filter", FILTER, "-t", "json", "-o", out or stem + ".json",
                f"chapters/{stem}.md"], cwd=tmp, timeout=60)


def break_step(tree, step, file, line, kind, new):
    """Delete line `line` of steps/STEP/FILE in the copy, or put `new` in its place."""
    p = os.path.join(tree, "steps", step, file)
    with open(p, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    expect_true(1 <= line <= len(lines), f"{p} has no line {line}")
    if kind == "delete":
        del lines[line - 1]
    else:
        lines[line - 1] = new
    with open(p, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines))


@check("every suggested breakage fails the checks it names", cost=5, needs=("html-builds",))
def suggested_breakages(_):
    """Every "Try it" box of a chapter (a ```{.breakage}``` block, book/README.md): in a copy of
    steps/ and common/, the change it shows is made, `run.py STEP` runs the step's checks, and
    the checks that fail are exactly the ones the box names; every other check passes. The
    filter's own errors (a line found twice or not at all, a missing fails=) on a made-up step."""
    with tempfile.TemporaryDirectory(prefix="book-breakage-") as tmp:
        _write(tmp, {"steps/99-probe/probe.S": PROBE_S + "    nop\n",
                     "chapters/90-bad.md": BREAKAGE_PROBE})
        r = filter_chapter(tmp, "90-bad", out="out.json")
        expect_eq(r.returncode, 1, "pandoc's exit status on broken breakage blocks")
        expect_eq(sorted(r.stderr.splitlines()), sorted(BREAKAGE_PROBE_EXPECTED),
                  "the filter's error messages on broken breakage blocks")

    boxes = [u for u in uses() if u[1] == "breakage"]
    expect_true(boxes, "no chapter has a breakage block (chapter 01 has two)")
    # A box marked proof="test-exercises" is proven there (and by make test-long), where
    # BOOTBOOK_BREAKAGES=all: its step's checks cost more than make test can pay per box.
    every = harness.LONG or os.environ.get("BOOTBOOK_BREAKAGES") == "all"
    for chapter, _, step, file, line, kind, fails, new, *more in boxes:
        if more and more[0] == "test-exercises" and not every:
            continue
        wanted = sorted(fails.split())
        what = (f"{chapter}: with line {line} of steps/{step}/{file} "
                + ("deleted" if kind == "delete" else f"changed to {new.strip()!r}"))
        with tempfile.TemporaryDirectory(prefix="book-breakage-") as tmp:
            tree = os.path.join(tmp, "tree")
            for d in ("common", "steps"):
                shutil.copytree(os.path.join(TOP, d), os.path.join(tree, d), symlinks=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            break_step(tree, step, file, int(line), kind, new)
            r = run([sys.executable, "common/test/run.py", step], cwd=tree, timeout=300)
        results = {m.group(3): m.group(1) for m in map(_RESULT.match, r.stdout.splitlines())
                   if m and m.group(2) == step}
        failed = sorted(name for name, status in results.items() if status == "FAIL")
        summary = _SUMMARY.search(r.stdout)
        expect_true(results.get("build") == "PASS" and summary,
                    f"{what}, the step's checks did not run (status {r.returncode}): "
                    f"{(r.stdout + r.stderr)[-1500:]}")
        expect_eq(failed, wanted, f"{what}, the checks that fail (the chapter names {wanted}):\n"
                  + "\n".join(x for x in r.stdout.splitlines() if x.startswith("FAIL"))
                  + "\nThe failed checks")
        expect_eq((int(summary.group(1)), int(summary.group(2))), (len(results) - len(failed), len(failed)),
                  f"{what}, the run's summary (every check of the step but {wanted} passes)")


# Repeated listings: what changed, and where it goes


@check("a listing shown again says what changed", needs=("html-builds",))
def changed_listings(_):
    """A listing of an anchor that an earlier listing showed for an earlier step, with other
    text, is a changed listing (changed-from="THAT-STEP": its changed lines marked, its caption
    naming the listing it replaces), and that caption names the right listing. So is a listing
    of code that moved: one whose lines are mostly those of a region an earlier chapter showed
    under another file or anchor (changed-from="STEP:FILE#ANCHOR")."""
    listings = listings_of(uses())
    expect_true(listings, "no listing records in the .uses files (book/include.lua writes them)")
    problems = changed_listing_problems(listings, TOP)
    expect_eq(problems, [], "listings shown again without saying what changed")
    changed_filter_probe()
    moved_probe()


def listings_of(records):
    """The listings of the .uses records, in book order: {chapter, number, path, anchor, changed}
    (changed: {frm, ref_chapter, ref_number} for a changed listing, else None)."""
    listings = []
    for u in records:
        if u[1] == "listing":
            listings.append(dict(chapter=u[0], number=u[2], path=u[3], anchor=u[4], changed=None))
        elif u[1] == "changed":
            listings[-1]["changed"] = dict(frm=u[4], ref_chapter=u[5], ref_number=u[6])
    return listings


# A listing is "moved code" when MOVED_SHARE of its lines (those with MOVED_WORD letters, digits
# or _ or more, compared without their blanks) are, in order, lines of a region an earlier
# chapter showed under another file or anchor, and it has MOVED_LINES such lines or more.
MOVED_SHARE, MOVED_WORD, MOVED_LINES = 0.6, 4, 4


_moved_cache = {}


def _moved_lines(lines):
    """The lines that count, without their blanks, and how often each comes (made once per
    region: the check compares every listing with every earlier one)."""
    import collections
    key = tuple(lines)
    if key not in _moved_cache:
        kept = [re.sub(r"\s+", "", t) for t in lines if len(re.sub(r"\W", "", t)) >= MOVED_WORD]
        _moved_cache[key] = kept, collections.Counter(kept)
    return _moved_cache[key]


def moved_share(old, new, at_least=0.0):
    """How much of region `new` (its lines) is region `old`'s, 0 to 1 (see MOVED_SHARE). When
    the lines the two have in common, in any order, cannot reach `at_least`, it says 0.0
    without looking for them in order (the check compares every listing with every earlier
    one, and SequenceMatcher on each pair took most of its time)."""
    import difflib
    (a, count_a), (b, count_b) = _moved_lines(old), _moved_lines(new)
    if len(b) < MOVED_LINES:
        return 0.0
    if sum(count_b[k] for k in count_b.keys() & count_a.keys()) / len(b) < at_least:
        return 0.0
    m = difflib.SequenceMatcher(None, b, a, autojunk=False)
    return sum(x.size for x in m.get_matching_blocks()) / len(b)


def changed_listing_problems(listings, root):
    """What is wrong with the listings of the book (in book order, as changed_listings reads
    them from the .uses files) in the tree at root: [text], one per listing."""
    regions = {}

    def text(path, anchor):
        if (path, anchor) not in regions:
            r = booktool.region_lines(root, path, anchor)
            regions[path, anchor] = None if r is None else [t for _, t in r]
        return regions[path, anchor]

    last, problems, seen = {}, [], []   # seen: the listings of steps' anchors before x
    for x in listings:
        parts = x["path"].split("/")
        if x["anchor"] == "-" or parts[0] != "steps" or len(parts) < 3:
            continue
        key = ("/".join(parts[2:]), x["anchor"])
        step, prev = parts[1], last.get(key)
        where = f"{x['chapter']}: listing {x['number']} (anchor '{x['anchor']}' of {x['path']})"
        c = x["changed"]
        origin = None
        if c:
            m = booktool._ORIGIN.match(c["frm"])
            if m and (m.group(2) or m.group(3)):
                origin = (m.group(1), m.group(2) or key[0], m.group(3) or x["anchor"])
        this = text(x["path"], x["anchor"])
        if prev and prev["step"] < step and text(prev["path"], x["anchor"]) != this:
            shown_at = f"listing {prev['number']} of {prev['chapter']} showed it for step {prev['step']}"
            if c is None:
                problems.append(f"{where}: {shown_at}: add changed-from=\"{prev['step']}\" to the include")
            elif c["frm"] != prev["step"]:
                problems.append(f"{where}: changed-from=\"{c['frm']}\", but {shown_at}")
            elif (f"chapters/{c['ref_chapter']}.md", c["ref_number"]) != (prev["chapter"], prev["number"]):
                problems.append(f"{where}: the caption says it replaces listing {c['ref_number']} of "
                                f"chapters/{c['ref_chapter']}.md, but {shown_at}")
        elif origin:
            # Moved code: the region named is the one the reader saw last under that file and
            # anchor, and the caption names that listing.
            ostep, ofile, oanchor = origin
            shown = [y for y in seen if y["path"].split("/")[2:] == ofile.split("/") and y["anchor"] == oanchor]
            o = shown[-1] if shown else None
            if o and o["path"].split("/")[1] != ostep:
                problems.append(f"{where}: changed-from=\"{c['frm']}\", but listing {o['number']} of "
                                f"{o['chapter']} showed anchor '{oanchor}' of {ofile} for step "
                                f"{o['path'].split('/')[1]}")
            elif o and (f"chapters/{c['ref_chapter']}.md", c["ref_number"]) != (o["chapter"], o["number"]):
                problems.append(f"{where}: the caption says it replaces listing {c['ref_number']} of "
                                f"chapters/{c['ref_chapter']}.md, but listing {o['number']} of "
                                f"{o['chapter']} showed anchor '{oanchor}' of {ofile}")
        elif c is None and this and not (prev and text(prev["path"], x["anchor"]) == this):
            # Code that moved to another file or anchor, shown again without saying so.
            best = None
            for y in seen:
                q = y["path"].split("/")
                if y["chapter"] == x["chapter"] or ("/".join(q[2:]), y["anchor"]) == key or q[1] > step:
                    continue
                old = text(y["path"], y["anchor"])
                if not old or old == this:
                    continue
                share = moved_share(old, this, MOVED_SHARE)
                if share >= MOVED_SHARE and (best is None or share > best[0]):
                    best = (share, y)
            if best:
                y = best[1]
                q = y["path"].split("/")
                frm = q[1] + (":" + "/".join(q[2:]) if q[2:] != parts[2:] else "") \
                    + ("#" + y["anchor"] if y["anchor"] != x["anchor"] else "")
                problems.append(f"{where}: {round(best[0] * 100)}% of its lines are those of listing "
                                f"{y['number']} of {y['chapter']} (anchor '{y['anchor']}' of {y['path']}): "
                                f"add changed-from=\"{frm}\" to the include")
        last[key] = dict(x, step=step)
        seen.append(x)
    return problems


def changed_filter_probe():
    """The filter on two made-up steps: a changed listing marks the changed line and names the
    listing it replaces; a missing anchor in the earlier step, or no change, stops it."""
    old = "/* ANCHOR: f */\nint f(void)\n{\n\treturn 1;\n}\n/* ANCHOR_END: f */\n/* ANCHOR: g */\nint g;\n/* ANCHOR_END: g */\n"
    new = old.replace("return 1;", "return 2;") + "/* ANCHOR: h */\nint h;\n/* ANCHOR_END: h */\n"
    with tempfile.TemporaryDirectory(prefix="book-changed-") as tmp:
        _write(tmp, {
            "steps/01-a/x.c": old, "steps/02-b/x.c": new,
            "chapters/01-a.md": '# A\n\n```{.c include="steps/01-a/x.c" anchor="g"}\n```\n\n'
                                '```{.c include="steps/01-a/x.c" anchor="f"}\n```\n',
            "chapters/02-b.md": '# B\n\n```{.c include="steps/02-b/x.c" anchor="f" changed-from="01-a"}\n```\n',
            "chapters/03-c.md": '# C\n\n```{.c include="steps/02-b/x.c" anchor="h" changed-from="01-a"}\n```\n\n'
                                '```{.c include="steps/02-b/x.c" anchor="g" changed-from="01-a"}\n```\n',
        })
        r = filter_chapter(tmp, "02-b", strict=True)
        expect_eq((r.returncode, r.stderr), (0, ""), "pandoc on a chapter with a changed listing")
        with open(os.path.join(tmp, "02-b.json")) as f:
            doc = f.read()
        blocks = _code_blocks(json.loads(doc), [])
        expect_eq([b for b in blocks if b[0] != "caption"],
                  [(["c"], "int f(void)\n{"), (["c", "changed"], "        return 2;"), (["c"], "}")],
                  "the blocks of a changed listing")
        cap = pandoc_plain(blocks[0][1])
        expect_true("replaces Listing 1.2 of step 01, with 1 line changed (marked)" in cap
                    and "#01-a-listing-2" in doc, f"the caption of a changed listing: {cap!r}")
        r = filter_chapter(tmp, "03-c")
        expect_eq(r.stderr.splitlines(), [
            "chapters/03-c.md: anchor 'h' not found in steps/01-a/x.c (changed-from=\"01-a\" on the include "
            "of steps/02-b/x.c)",
            "chapters/03-c.md: anchor 'g' is the same in steps/01-a/x.c and steps/02-b/x.c: nothing changed to "
            "mark (refer to the earlier listing instead of showing it again)"], "the errors of changed-from")
        expect_true(r.returncode == 1, f"pandoc's status on bad changed-from: {r.returncode}")


def moved_probe():
    """Code that moved, on made-up steps: step 02 shows f of step 01's x.c again as anchor g of
    y.c, one line changed. Without changed-from the check names the listing and what to add;
    with changed-from="01-a:x.c#f" the filter marks the line and names the listing replaced, and
    the check is content; a file or anchor that is not there stops the filter."""
    f = ("/* ANCHOR: f */\nint f(int x)\n{\n\tint y = x * 2;\n\tif (y > 10)\n\t\ty = 10;\n"
         "\treturn y + 1;\n}\n/* ANCHOR_END: f */\n")
    g = f.replace("ANCHOR: f", "ANCHOR: g").replace("ANCHOR_END: f", "ANCHOR_END: g") \
         .replace("return y + 1;", "return y + 2;")
    include = '```{.c include="steps/02-b/y.c" anchor="g"%s}\n```\n'
    with tempfile.TemporaryDirectory(prefix="book-moved-") as tmp:
        _write(tmp, {
            "steps/01-a/x.c": f, "steps/02-b/y.c": g,
            "chapters/01-a.md": '# A\n\n```{.c include="steps/01-a/x.c" anchor="f"}\n```\n',
            "chapters/02-b.md": "# B\n\n" + include % "",
            "chapters/03-c.md": "# C\n\n" + include % ' changed-from="01-a:x.c#f"',
            "chapters/04-d.md": "# D\n\n" + include % ' changed-from="01-a:z.c#f"' + "\n"
                                + include % ' changed-from="01-a:x.c#q"',
        })

        for stem in ("01-a", "02-b", "03-c"):
            r = filter_chapter(tmp, stem, strict=True)
            expect_eq((r.returncode, r.stderr), (0, ""), f"pandoc on made-up chapters/{stem}.md")
        uses_of = lambda *stems: listings_of(booktool.read_uses([os.path.join(tmp, s + ".uses") for s in stems]))
        expect_eq(changed_listing_problems(uses_of("01-a", "02-b"), tmp), [
            "chapters/02-b.md: listing 1 (anchor 'g' of steps/02-b/y.c): 75% of its lines are those of "
            "listing 1 of chapters/01-a.md (anchor 'f' of steps/01-a/x.c): add "
            "changed-from=\"01-a:x.c#f\" to the include"], "the check on moved code shown without changed-from")
        expect_eq(changed_listing_problems(uses_of("01-a", "03-c"), tmp), [],
                  "the check on moved code with changed-from=\"01-a:x.c#f\"")
        with open(os.path.join(tmp, "03-c.json")) as fh:
            doc = fh.read()
        blocks = _code_blocks(json.loads(doc), [])
        expect_eq([b[0] for b in blocks if b[0] != "caption"], [["c"], ["c", "changed"], ["c"]],
                  "the blocks of a listing of moved code")
        cap = pandoc_plain(blocks[0][1])
        code = [x["c"][1] for x in json.loads(blocks[0][1])[0]["c"] if x["t"] == "Code"] \
            if blocks[0][0] == "caption" else []
        expect_true("replaces Listing 1.1 of step 01’s , with 1 line changed (marked)" in cap
                    and code == ["x.c"] and "#01-a-listing-1" in doc,
                    f"the caption of a listing of moved code: {cap!r}, code {code}")
        r = filter_chapter(tmp, "04-d")
        expect_eq(r.stderr.splitlines(), [
            "chapters/04-d.md: file steps/01-a/z.c not found (changed-from=\"01-a:z.c#f\" on the include of "
            "steps/02-b/y.c, anchor 'g')",
            "chapters/04-d.md: anchor 'q' not found in steps/01-a/x.c (changed-from=\"01-a:x.c#q\" on the "
            "include of steps/02-b/y.c)"], "the errors of changed-from on moved code")
        expect_true(r.returncode == 1, f"pandoc's status on a bad changed-from: {r.returncode}")


def pandoc_plain(inlines_json):
    """The text of a caption's inlines (JSON), roughly."""
    out = []
    _walk_str(json.loads(inlines_json), out)
    return "".join(out)


def _walk_str(node, out):
    if isinstance(node, dict):
        if node.get("t") == "Str":
            out.append(node["c"])
        elif node.get("t") == "Space":
            out.append(" ")
        else:
            _walk_str(node.get("c"), out)
    elif isinstance(node, list):
        for v in node:
            _walk_str(v, out)


@check("exercises: markers hidden, listed in the chapter", needs=("html-builds",))
def exercises_in_book(_):
    """Every step's exercise markers are well formed; no marker or stand-in line is on a source
    page of the book; a chapter with an .exercises block lists each exercise of its step."""
    problems, leaks, missing = [], [], []
    for step in booktool.steps(TOP):
        found, bad = booktool.step_exercises(TOP, step)
        problems += bad
        for regs in found.values():
            for r in regs:
                page = os.path.join(BOOK, "src", r.path + ".html")
                with open(page, encoding="utf-8") as f:
                    html = f.read()
                for n in [r.start, r.end] + ([r.standin] if r.standin else []):
                    if f'id="L{n}"' in html:
                        leaks.append(f"{r.path}:{n}")
                for n in range(r.standin + 1 if r.standin else r.end, r.end):
                    if f'id="L{n}"' in html:
                        leaks.append(f"{r.path}:{n} (stand-in)")
    for name in sorted(os.listdir(os.path.join(TOP, "chapters"))):
        if not name.endswith(".md"):
            continue
        with open(os.path.join(TOP, "chapters", name), encoding="utf-8") as f:
            steps = re.findall(r'```\{\.exercises step="([^"]+)"\}', f.read())
        if not steps:
            continue
        with open(os.path.join(BOOK, name[:-3] + ".html"), encoding="utf-8") as f:
            html = f.read()
        for step in steps:
            for ex in booktool.step_exercises(TOP, step)[0]:
                if f"<code>{ex}</code>" not in html:
                    missing.append(f"{name}: {ex}")
            if f"make exercise STEP={step[:2]}" not in html:
                missing.append(f"{name}: the command make exercise STEP={step[:2]}")
    expect_eq(problems, [], "malformed exercise markers")
    expect_eq(leaks, [], "exercise marker or stand-in lines on the book's source pages")
    expect_eq(missing, [], "exercises (or the command) missing from the chapter's page")


# ------------------------------------------------------------------------------------------
# make diff STEP=NN: booktool.py stepdiff

@check("make diff shows code, not markers")
def make_diff(_):
    """`make diff STEP=03` (booktool.py stepdiff) shows what step 03 adds (fb.c, new; the font,
    binary), and no anchor or exercise marker line nor stand-in line (step 02 has exercises)."""
    r = run(["make", "-s", "--no-print-directory", "diff", "STEP=03"], timeout=60)
    expect_eq(r.returncode, 0, f"make diff STEP=03 failed: {r.stderr[-500:]}")
    out = r.stdout
    expect_true("+++ steps/03-framebuffer/fb.c" in out and "--- /dev/null" in out,
                "make diff STEP=03 does not show fb.c as a new file")
    expect_true("Binary files /dev/null and steps/03-framebuffer/Lat15-VGA16.psf differ" in out,
                "make diff STEP=03 does not name the new font")
    hidden = [line for line in out.splitlines()
              if re.search(r"\b(ANCHOR(_END)?|EXERCISE(_STANDIN|_END)?):", line)]
    expect_eq(hidden[:3], [], "marker lines in make diff STEP=03")


# The glossary's links and the printed book's index (booktool.py link_glossary, book_index)


def _glossary_doc(entries, chapters_text):
    """Made-up chapters (Pandoc JSON documents) for link_glossary: a glossary of `entries`
    (Markdown definition-list terms) and one chapter per text."""
    docs = []
    for i, text in enumerate(chapters_text):
        md = f"# Chapter {i}\n\n{text}\n"
        docs.append(json.loads(run(["pandoc", "-f", "markdown", "-t", "json"], input=md, timeout=60).stdout))
    md = "# Glossary {#appendix-d-glossary}\n\n" + "".join(
        f"[{t}]{{#appendix-d-glossary-{i}{a}}}\n:   Words.\n\n" for t, i, a in entries)
    docs.append(json.loads(run(["pandoc", "-f", "markdown", "-t", "json"], input=md, timeout=60).stdout))
    return docs


def _links_to(doc, prefix="#appendix-d-glossary-"):
    out = []
    _walk = booktool._walk
    _walk(doc["blocks"], lambda n: out.append((n["c"][2][0][len(prefix):], booktool._text(n["c"][1])))
          if n.get("t") == "Link" and n["c"][2][0].startswith(prefix) else None)
    return out


@check("glossary terms are linked and indexed", needs=("builds",))
def glossary_index(_):
    """Every glossary term is linked from the book's text at least once (its first use) and
    has an entry with at least one page in the PDF's index, whose every target is an id of
    print.html; and link_glossary, on made-up chapters, links the first use only (plural,
    register with _EL1, inline code, two words across a line break, a "-words" exclusion, never
    in a heading or a listing)."""
    built_pdf()
    with open(os.path.join(BOOK, "print.html"), encoding="utf-8") as f:
        page = f.read()
    ids = re.findall(r'\sid="([^"]+)"', page)
    expect_eq(sorted({i for i in ids if ids.count(i) > 1})[:5] if len(ids) != len(set(ids)) else [], [],
              "ids print.html has more than once")
    ids = set(ids)
    start = page.find('<h1 id="appendix-d-glossary"')
    stop = page.find("</section>", page.find('<section id="book-index"'))
    expect_true(start > 0 and stop > start, "print.html has no glossary, or no index after it")
    gloss, index = page[start:page.find('<section id="book-index"')], page[page.find('<section id="book-index"'):stop]
    terms = re.findall(r'<dt><span\s+id="appendix-d-glossary-([^"]+)"[^>]*>(.*?)</span></dt>', gloss, re.S)
    expect_true(len(terms) > 20, f"print.html's glossary has {len(terms)} terms")
    body = page[:start] + page[stop:]
    entries = {}
    for p in re.findall(r"<p>(.*?)</p>", index, re.S):
        m = re.match(r'<a\s+href="#appendix-d-glossary-([^"]+)"', p)
        if m:
            entries[m.group(1)] = re.findall(r'<a\s+href="#([^"]+)"\s+class="ix-ref"', p)
    plain = lambda s: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", s)).strip()
    unlinked = [plain(t) for i, t in terms if f'href="#appendix-d-glossary-{i}"' not in body]
    expect_eq(unlinked, [], "glossary terms the book's text never links to (used nowhere, or under "
              "another spelling: see match= in booktool.py's comment on the glossary)")
    unindexed = [plain(t) for i, t in terms if not entries.get(i)]
    expect_eq(unindexed, [], "glossary terms without a page in the PDF's index")
    dangling = [f"{i}: #{r}" for i, refs in entries.items() for r in refs if r not in ids]
    expect_eq(dangling, [], "index entries whose target is not an id of print.html")

    # The rules, on made-up chapters.
    docs = _glossary_doc(
        [("ESR / EC", "esr", ""), ("FIFO", "fifo", ""), ("Page table (translation table)", "pt", ""),
         ("`wfi` / `wfe`", "wfi", ""), ("Guard", "guard", ' match="guard|-guard page"')],
        ["## FIFO here\n\nA guard page, then `ESR_EL1` and the\ntranslation tables, FIFOs and FIFO.\n\n"
         "```c\nwfi();\n```\n",
         "Again `ESR_EL1`, and `wfe`; a CNode's guard.\n\n[the FIFO](#appendix-d-glossary-fifo)."])
    terms, anchors = booktool.link_glossary(docs, index=True)
    expect_eq([t["id"][len("appendix-d-glossary-"):] for t in terms], ["esr", "fifo", "pt", "wfi", "guard"],
              "the made-up glossary's terms")
    expect_eq(_links_to(docs[0]), [("esr", "`ESR_EL1`"), ("pt", "translation tables"), ("fifo", "FIFOs")],
              "links of the first chapter (first uses only; not in a heading or listing; no 'guard page')")
    expect_eq(_links_to(docs[1]), [("wfi", "`wfe`"), ("guard", "guard"), ("fifo", "the FIFO")],
              "links of the second chapter (the hand-written link stays)")
    expect_eq(anchors["appendix-d-glossary-fifo"], ["ix-fifo-1"],
              "index ids of FIFO (one per section, a page apart)")
