"""The literal text a regular expression's match must contain.

The catalog's patterns are regexes. The analyzers try a pattern on a line only when the
line contains one of its branches' literals (`sentinel_brain.analyzers._gate`), a cheap
pre-check that keeps matching linear on large inputs.
"""

from __future__ import annotations


def branches(pattern: str) -> list[str]:
    """Split a regex on its top-level `|`."""
    out: list[str] = []
    depth = 0
    cur: list[str] = []
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            cur.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    out.append("".join(cur))
    return out


def branch_literal(branch: str) -> str:
    """The longest literal run a match of this branch must contain (lowercased)."""
    runs: list[str] = []
    run: list[str] = []
    depth = 0
    in_class = False
    i = 0
    escapable = set(".-'\"/:()[]{}*+?|$^ _=<>#@!,;&%")

    def end() -> None:
        if run:
            runs.append("".join(run))
            run.clear()

    while i < len(branch):
        ch = branch[i]
        if in_class:
            if ch == "\\":
                i += 2
                continue
            in_class = ch != "]"
            i += 1
            continue
        if ch == "\\" and i + 1 < len(branch):
            nxt = branch[i + 1]
            if depth == 0 and nxt in escapable:
                run.append(nxt)
            else:
                end()
            i += 2
            continue
        if ch == "(":
            depth += 1
            end()
        elif ch == ")":
            depth -= 1
            end()
            if i + 1 < len(branch) and branch[i + 1] in "?*{":
                pass
        elif ch == "[":
            in_class = True
            end()
        elif ch in "?*{":
            if run:
                run.pop()
            end()
            if ch == "{":
                j = branch.find("}", i)
                i = j if j > i else i
        elif ch in "+.^$|":
            end()
        elif depth == 0:
            run.append(ch)
        i += 1
    end()
    return max(runs, key=len, default="").lower()
