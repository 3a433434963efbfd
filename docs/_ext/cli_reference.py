"""Sphinx directive ``cli-reference``: a command line page from its parser.

Usage in a page::

    .. cli-reference:: focalboost.cli:_build_parser

The argument names a function that returns the :class:`argparse.ArgumentParser`
of the command line. The directive writes, for the program and then for each
sub-command (in the parser's order): the one-line help, the description, the
usage line and one ``.. option::`` entry per argument with its help, choices
and default. The texts are expanded as ``--help`` expands them (``%(default)s``
and the like in argument help; ``%(prog)s`` in a description), so the page
and ``--help`` have one source: the parser. A sub-command or an option added
to the parser appears on the page at the next build, with no edit of the page.

argparse has no public API that lists a parser's arguments; this reads
``parser._actions`` and the sub-parsers action's ``choices`` and
``_choices_actions``, as ``argparse.HelpFormatter`` itself does.
"""

from __future__ import annotations

import argparse
import importlib
import re

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

# inline markup of reStructuredText that a help text must not start by accident
_RST_SPECIAL = re.compile(r"([\\*|_`])")


# an option named in a text (--target, -o), set as a literal: the page shows
# it as --help does (no typographic dash) and in code font
_OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def _escape(text: str) -> str:
    """Return ``text`` as reStructuredText: options literal, no other markup."""
    parts = _OPTION.split(text)
    return "".join(
        f"``{part}``" if i % 2 else _RST_SPECIAL.sub(r"\\\1", part)
        for i, part in enumerate(parts)
    )


def _load(spec: str) -> argparse.ArgumentParser:
    """Return the parser built by ``module:function``."""
    module, _, name = spec.partition(":")
    if not name:
        raise ValueError(f"cli-reference needs 'module:function'; got {spec!r}.")
    factory = getattr(importlib.import_module(module), name)
    parser = factory()
    if not isinstance(parser, argparse.ArgumentParser):
        raise TypeError(f"{spec} returned {type(parser).__name__}, not a parser.")
    return parser


def _description(parser: argparse.ArgumentParser) -> str:
    """Return the description as ``--help`` prints it (``%(prog)s`` expanded)."""
    text = parser.description or ""
    if "%(prog)" in text:  # argparse.HelpFormatter._format_text
        text = text % {"prog": parser.prog}
    return " ".join(text.split())


def _help(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """Return the help of ``action`` as ``--help`` prints it (``%`` expanded)."""
    if not action.help or action.help == argparse.SUPPRESS:
        return ""
    # argparse.HelpFormatter._expand_help
    params = dict(vars(action), prog=parser.prog)
    params = {k: v for k, v in params.items() if v is not argparse.SUPPRESS}
    params = {k: getattr(v, "__name__", v) for k, v in params.items()}
    if params.get("choices") is not None:
        params["choices"] = ", ".join(str(c) for c in params["choices"])
    return " ".join((action.help % params).split())


def _subcommands(parser: argparse.ArgumentParser):
    """``(name, one-line help, parser)`` of each sub-command, in order."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield name, helps.get(name) or "", sub


def _invocation(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """``--name METAVAR`` (or ``-o, --output OUTPUT``; ``DATA`` if positional)."""
    if not action.option_strings:
        metavar = action.metavar or action.dest
        return metavar.upper() if action.metavar is None else metavar
    if action.nargs == 0:
        return ", ".join(action.option_strings)
    metavar = action.metavar or action.dest.upper()
    return ", ".join(f"{o} {metavar}" for o in action.option_strings)


def _details(action: argparse.Action) -> list[str]:
    """Sentences on the choices, default and requiredness of ``action``.

    The default is left out where the help text already speaks of it.
    """
    out = []
    said = "default" in (action.help or "").lower()
    if action.choices is not None and not isinstance(
        action, argparse._SubParsersAction
    ):
        out.append("One of " + ", ".join(f"``{c}``" for c in action.choices) + ".")
    if action.required and action.option_strings:
        out.append("Required.")
    elif action.nargs == 0:
        pass  # a flag: its default is "off"
    elif said:
        pass
    elif action.default is not None and action.default is not argparse.SUPPRESS:
        out.append(f"Default: ``{action.default}``.")
    elif not action.option_strings and action.nargs == "?":
        out.append("Optional.")
    return out


def _arguments(parser: argparse.ArgumentParser) -> list[str]:
    """Return the reStructuredText of every argument of ``parser`` (help excluded)."""
    lines: list[str] = []
    shown = [
        a
        for a in parser._actions
        if not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction))
        and a.help != argparse.SUPPRESS
    ]
    groups = [
        ("Arguments", [a for a in shown if not a.option_strings]),
        ("Options", [a for a in shown if a.option_strings]),
    ]
    for title, actions in groups:
        if not actions:
            continue
        lines += [f".. rubric:: {title}", ""]
        for action in actions:
            text = " ".join([_escape(_help(parser, action)), *_details(action)]).strip()
            lines += [f".. option:: {_invocation(parser, action)}", ""]
            if text:
                lines += [f"   {text}", ""]
    return lines


def _usage(parser: argparse.ArgumentParser) -> list[str]:
    first, *rest = parser.format_usage().rstrip().splitlines()
    prefix = "usage: "  # argparse aligns the continuation lines after it
    lines = [first.removeprefix(prefix)]
    lines += [
        line[len(prefix) :]
        if line.startswith(prefix.replace("usage:", "      "))
        else line
        for line in rest
    ]
    body = ["   " + line for line in lines]
    return [".. code-block:: text", "", *body, ""]


def _page(parser: argparse.ArgumentParser, level: str) -> list[str]:
    """Return the reStructuredText of the program and one section per sub-command."""
    lines = [parser.prog, level * len(parser.prog), ""]
    lines += [f".. program:: {parser.prog}", ""]
    if parser.description:
        lines += [_escape(_description(parser)), ""]
    lines += _usage(parser)
    lines += _arguments(parser)
    for name, summary, sub in _subcommands(parser):
        title = f"{parser.prog} {name}"
        lines += [title, level * len(title), ""]
        lines += [f".. program:: {sub.prog}", ""]
        if summary:  # the line of ``focalboost --help``, first letter capital
            text = _escape(" ".join(summary.split()))
            text = text[0].upper() + text[1:]
            lines += [text if text[-1] in ".?!)" else text + ".", ""]
        if sub.description:
            lines += [_escape(_description(sub)), ""]
        lines += _usage(sub)
        lines += _arguments(sub)
    return lines


class CLIReference(SphinxDirective):
    """``.. cli-reference:: module:function`` (see the module docstring)."""

    required_arguments = 1
    option_spec = {"section-underline": str}

    def run(self) -> list[nodes.Node]:
        """Return the sections of the program and of its sub-commands."""
        parser = _load(self.arguments[0])
        level = self.options.get("section-underline", "-")
        rst = StringList()
        for i, line in enumerate(_page(parser, level)):
            rst.append(line, "<cli-reference>", i)
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, rst, container)
        return container.children


def setup(app):
    """Register the directive."""
    app.add_directive("cli-reference", CLIReference)
    return {"version": "1", "parallel_read_safe": True}
