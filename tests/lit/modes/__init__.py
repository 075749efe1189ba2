"""The modes of the data-file test runner: `// RUN: NAME ARG...` hands the case to MODES[NAME].

A mode is a module with `run(case, argv) -> (sections, failures, new_body)`: argv is the RUN
line split like a shell would (argv[0] is the mode's name), case is a lit.Case (path, body,
sections, directives(), workdir(), run(), update, iwd, tmp); sections is a dict NAME -> actual
text in the order to write them, failures a list of (line, message), new_body the body to write
under --update (or None). docs/testing.md has the table of modes.
"""
from . import check, dump
from . import evaluate, explain, explain_doc, fmt, fmt_corpus, replay, test

MODES = {
    "check": check,
    "ast": dump,
    "bound": dump,
    "program": dump,
    "ir": dump,
    "ir-optimized": dump,
    "replay": replay,
    "explain": explain,
    "explain-doc": explain_doc,
    "fmt": fmt,
    "fmt-corpus": fmt_corpus,
    "test": test,
    "eval": evaluate,
}
