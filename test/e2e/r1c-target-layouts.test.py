"""Undoes the x86 target's layout choice in an r1k module: each panels16
weight becomes a matrix, and each [16, K, P] view of it [K, N] with N its
shape's rows."""
import re
import sys

text = open(sys.argv[1]).read()
rows = {}
for m in re.finditer(r'r1k\.weight @(\w+) \{[^\n]*shape = array<i64: ([0-9, ]+)>'
                     r'[^\n]*layout = #r1k<layout panels16>|r1k\.weight @(\w+) '
                     r'\{[^\n]*layout = #r1k<layout panels16>[^\n]*shape = '
                     r'array<i64: ([0-9, ]+)>', text):
    name = m.group(1) or m.group(3)
    shape = [int(d) for d in (m.group(2) or m.group(4)).split(",")]
    rows[name] = shape[-2]
assert rows, "no panels16 weight"


def view(m):
    name, dims = m.group(1), [int(d) for d in m.group(2).split(",")]
    if name not in rows:
        return m.group(0)
    assert len(dims) == 3 and dims[0] == 16 and dims[2] == -(-rows[name] // 16), m.group(0)
    return f"<@{name}, [{dims[1]}, {rows[name]}]>"


text = re.sub(r"<@(\w+), \[([-0-9, ]+)\]>", view, text)
text = text.replace("#r1k<layout panels16>", "#r1k<layout matrix>")
open(sys.argv[2], "w").write(text)
