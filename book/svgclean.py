"""Make an SVG fit for the EPUB: drop its document type declaration.

    dot -Tsvg fig.dot | python3 book/svgclean.py > fig.svg

Graphviz writes <!DOCTYPE svg PUBLIC "..." "http://www.w3.org/.../svg11.dtd">: EPUB 3 allows no
external identifier in a DOCTYPE (EPUBCheck's OPF-073) and no external entity (HTM-003, one per
entity of the SVG 1.1 DTD). The SVG needs none of it: it names its namespaces itself. Stdlib
only; reads stdin, writes stdout, and fails if a DOCTYPE is still there afterwards.
"""

import re
import sys

DOCTYPE = re.compile(r"<!DOCTYPE\b(?:[^>\[]|\[[^\]]*\])*>[ \t]*\r?\n?", re.IGNORECASE)

text = sys.stdin.read()
text = DOCTYPE.sub("", text, count=1)
if re.search(r"<!DOCTYPE|<!ENTITY", text, re.IGNORECASE):
    sys.exit("svgclean: a DOCTYPE or entity declaration is left in the SVG")
sys.stdout.write(text)
