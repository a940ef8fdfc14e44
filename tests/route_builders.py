"""One compiled URL builder per distinct rule for the whole test run.

Each test builds its own app, and building an app compiles a URL builder for each of its
~170 rules (Werkzeug writes the builder as Python source and compiles it): about 130 ms
per app, a third of a typical test's time. Rules with the same text, converters and
defaults get the same builder code whichever app they belong to, so the code is compiled
once and bound to each rule as Werkzeug itself binds it. Production builds one app per
process and is not touched by this module.
"""

from __future__ import annotations

from werkzeug.routing.rules import Rule

_compile_builder = Rule._compile_builder
_builders: dict = {}


def _key(rule: Rule, append_unknown: bool) -> tuple:
    # Everything `Rule._compile_builder` reads: the parsed parts (domain and path), the
    # defaults (resolved through their converters when the rule names them) and the rule's
    # text (the builder's name). The converters' own behaviour is read through the bound
    # rule when the builder runs, so it is not part of the code.
    defaults = rule.defaults or {}
    resolved = tuple(sorted((name, repr(value), type(rule._converters.get(name)).__name__,
                             rule._converters[name].to_url(value)
                             if name in rule._converters else None)
                            for name, value in defaults.items()))
    return (rule.rule, tuple(rule._trace), resolved, append_unknown)


def _shared_builder(self: Rule, append_unknown: bool = True):
    key = _key(self, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(self, append_unknown)
    return builder


def install() -> None:
    """Share builders between the apps of this process."""
    Rule._compile_builder = _shared_builder
