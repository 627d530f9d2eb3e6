#!/usr/bin/env python3
"""Writes firedrill's man pages and bash completion from the program's own --help text.

    help_docs.py FIREDRILL MAN_DIR COMPLETION_FILE

runs `FIREDRILL --help` (the command list comes from its Usage lines) and
`FIREDRILL COMMAND --help` for each command, then writes MAN_DIR/firedrill.1,
MAN_DIR/firedrill-COMMAND.1 and the bash completion script COMPLETION_FILE.

Why from the --help output of the built binary: that text is what users see, so a man
page or a completion that says something else is a bug; generating both from it at build
time means they cannot drift, and nobody has to keep a second copy of every option.
(help2man does the man half for GNU-style --help only; Boost.Program_options prints
"-b [ --backend ] arg (=sim)", and help2man has no completion.) A line of the option
table this script cannot read stops the build instead of being skipped.
"""
import os
import re
import subprocess
import sys
import time

# "  -b [ --backend ] arg (=sim)    description", "  --seed arg    description", or an
# optional value: "  --progress [=arg(=text)]    description".
OPTION_LINE = re.compile(r"^  (?:-(?P<short>\w) \[ --(?P<long>[\w-]+) \]|--(?P<long_only>[\w-]+))"
                         r"(?P<arg> arg)?(?: \[=arg\(=(?P<implicit>[^)]*)\)\])?"
                         r"(?: \(=(?P<default>[^)]*)\))?(?: +(?P<text>.*))?$")
# Boost continues a description on lines indented to its description column.
CONTINUATION = re.compile(r"^ {3,}(?P<text>\S.*)$")
# "--out DIR" or "--backend sim|libvirt" in a Usage line names an option's value.
USAGE_VALUE = re.compile(r"--(?P<long>[\w-]+)(?:\[=| |=)(?P<value>[A-Za-z0-9_|=.,/<>-]+)")
CHOICES = re.compile(r"^[a-z]+(\|[a-z]+)+$")


class HelpError(Exception):
    pass


def help_text(firedrill, *command):
    result = subprocess.run([firedrill, *command, "--help"], capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise HelpError(f"{' '.join([firedrill, *command])} --help exited {result.returncode}: "
                        f"{result.stderr.strip()}")
    return result.stdout


def split_head_and_options(text):
    """The free text above "Options:" and the option table below it."""
    lines = text.rstrip("\n").split("\n")
    if "Options:" in lines:
        at = lines.index("Options:")
        return lines[:at], lines[at + 1:]
    return lines, []


def description_column(table):
    """Boost starts every description (and its continuation lines) at one column."""
    starts = [len(line) - len(line.lstrip()) for line in table if CONTINUATION.match(line)]
    starts += [m.start("text") for m in map(OPTION_LINE.match, table) if m and m["text"]]
    return max(set(starts), key=starts.count) if starts else None


def parse_options(table, where):
    options = []
    column = description_column(table)
    for line in table:
        if not line.strip():
            continue
        match = OPTION_LINE.match(line)
        if match and (not match["text"] or match.start("text") == column):
            options.append({"short": match["short"], "long": match["long"] or match["long_only"],
                            "arg": bool(match["arg"]), "implicit": match["implicit"],
                            "default": match["default"], "text": (match["text"] or "").strip()})
            continue
        match = CONTINUATION.match(line)
        if match and options:
            options[-1]["text"] = (options[-1]["text"] + " " + match["text"].strip()).strip()
            continue
        raise HelpError(f"{where}: cannot read this line of the option table: {line!r}")
    return options


def parse_head(head):
    """Usage lines (the synopsis, indented as printed) and the paragraphs after them."""
    if not head or not head[0].startswith("Usage:"):
        raise HelpError(f"help text does not start with 'Usage:': {head[:1]}")
    first = head[0][len("Usage:"):].strip()
    rest = head[1:]
    more = []
    while rest and rest[0].startswith(" "):
        more.append(rest.pop(0).rstrip())
    # Continuation lines are indented under the first line's text ("Usage: " or their own).
    base = len("Usage: ") if first else min(len(line) - len(line.lstrip()) for line in more)
    synopsis = ([first] if first else []) + [line[base:] if line[:base].isspace() else
                                             line.strip() for line in more]
    paragraphs, current = [], []
    for line in rest + [""]:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append(current)
            current = []
    return synopsis, paragraphs


def parse_command(firedrill, name, main_synopsis):
    text = help_text(firedrill, name)
    head, table = split_head_and_options(text)
    synopsis, paragraphs = parse_head(head)
    options = parse_options(table, f"firedrill {name} --help")
    # Value names from the command's Usage lines, else from its line in `firedrill --help`.
    mine = [line for line in main_synopsis if line.startswith(f"firedrill {name} ")]
    values = {}
    for line in synopsis + mine:
        for match in USAGE_VALUE.finditer(line):
            values.setdefault(match["long"], match["value"])
    for option in options:
        takes_value = option["arg"] or option["implicit"] is not None
        option["value"] = values.get(option["long"], "ARG") if takes_value else None
    return {"name": name, "synopsis": synopsis, "paragraphs": paragraphs, "options": options}


def parse_main(firedrill):
    lines = help_text(firedrill).rstrip("\n").split("\n")
    title = lines[0].split(" -- ", 1)
    if len(title) != 2:
        raise HelpError(f"firedrill --help: first line is not 'firedrill -- SUMMARY': {lines[0]!r}")
    body = lines[1:]
    while body and not body[0].strip():
        body.pop(0)
    synopsis, paragraphs = parse_head(body)
    commands = []
    for line in synopsis:
        match = re.match(r"firedrill ([a-z][\w-]*)", line)
        if match and match[1] not in commands:
            commands.append(match[1])
    if not commands:
        raise HelpError("firedrill --help names no command in its Usage lines")
    # "firedrill --help | --version": the options of firedrill itself.
    options = [word for line in synopsis if line.startswith("firedrill -")
               for word in line.split() if word.startswith("-")]
    return {"summary": title[1].strip(), "synopsis": synopsis, "paragraphs": paragraphs,
            "commands": commands, "options": options}


# ---- man pages -------------------------------------------------------------------------

def roff(text):
    """Escapes plain text for a roff line: backslashes, minus signs, a leading control dot."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text


def roff_paragraph(lines):
    """Indented lines (examples, commands) stay as they are; the others are filled."""
    out, preformatted = [], False
    for line in lines:
        indented = line.startswith(" ")
        if indented != preformatted:
            out.append(".nf" if indented else ".fi")
            preformatted = indented
        out.append(roff(line[2:] if indented else line))
    if preformatted:
        out.append(".fi")
    return out


def first_sentence(paragraphs):
    text = " ".join(paragraphs[0]) if paragraphs else ""
    return re.split(r"(?<=\.)\s", text, maxsplit=1)[0].rstrip(".")


def short_summary(paragraphs):
    """The NAME line: the first sentence up to its first aside, colon or comma."""
    return re.split(r" \(|: |, ", first_sentence(paragraphs), maxsplit=1)[0]


def man_header(title, summary, version, synopsis):
    date = ""
    if "SOURCE_DATE_EPOCH" in os.environ:  # reproducible: the release's date, not today's
        date = time.strftime("%Y-%m-%d", time.gmtime(int(os.environ["SOURCE_DATE_EPOCH"])))
    lines = [f'.TH {roff(title.upper())} 1 "{date}" "{roff(version)}" "firedrill manual"',
             ".SH NAME", f"{roff(title)} \\- {roff(summary)}", ".SH SYNOPSIS", ".nf"]
    lines += [roff(line) for line in synopsis]
    return lines + [".fi"]


def description_sections(paragraphs):
    """DESCRIPTION from the paragraphs; one starting "Exit status:" becomes EXIT STATUS."""
    lines, exit_status = [".SH DESCRIPTION"], []
    for paragraph in paragraphs:
        if paragraph[0].startswith("Exit status:"):
            exit_status = [paragraph[0][len("Exit status:"):].strip()] + paragraph[1:]
            continue
        lines += [".PP"] + roff_paragraph(paragraph)
    if exit_status:
        lines += [".SH EXIT STATUS"] + roff_paragraph(exit_status)
    return lines


def option_entry(option):
    names = f"\\fB\\-{option['short']}\\fR, " if option["short"] else ""
    names += f"\\fB\\-\\-{roff(option['long'])}\\fR"
    if option["implicit"] is not None:
        names += f"[=\\fI{roff(option['value'])}\\fR]"
    elif option["value"]:
        names += f" \\fI{roff(option['value'])}\\fR"
    text = option["text"]
    if option["implicit"] is not None:
        text += f" (given without a value: {option['implicit']})"
    if option["default"] is not None:
        text += f" (default: {option['default']})"
    return [".TP", names, roff(text)]


def command_page(command, version, commands):
    name = f"firedrill-{command['name']}"
    lines = man_header(name, short_summary(command["paragraphs"]), version, command["synopsis"])
    lines += description_sections(command["paragraphs"])
    lines.append(".SH OPTIONS")
    for option in command["options"]:
        lines += option_entry(option)
    others = [f"firedrill-{c}" for c in commands if c != command["name"]]
    lines += [".SH SEE ALSO", ",\n".join(f".BR {roff(page)} (1)" for page in ["firedrill"] + others)]
    return "\n".join(lines) + "\n"


def main_page(main, version, commands):
    lines = man_header("firedrill", main["summary"], version, main["synopsis"])
    lines += description_sections(main["paragraphs"])
    lines.append(".SH COMMANDS")
    for command in commands:
        lines += [".TP", f"\\fBfiredrill {command['name']}\\fR",
                  roff(first_sentence(command["paragraphs"])) + ". See",
                  f".BR firedrill\\-{command['name']} (1)."]
    return "\n".join(lines) + "\n"


# ---- bash completion -------------------------------------------------------------------

def option_names(option):
    return ([f"-{option['short']}"] if option["short"] else []) + [f"--{option['long']}"]


def completion_script(main, commands):
    out = ["# bash completion for firedrill. Generated at build time from `firedrill --help` and",
           "# `firedrill COMMAND --help` by app/help_docs.py: do not edit, change the help text.",
           "_firedrill() {",
           '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
           '  # bash splits "--out=DIR" at "=": the option is the word before it.',
           '  [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 3 ] && prev="${COMP_WORDS[COMP_CWORD-2]}"',
           '  if [ "$COMP_CWORD" -eq 1 ]; then',
           f'    mapfile -t COMPREPLY < <(compgen -W "{" ".join(main["commands"] + main["options"])}"'
           ' -- "$cur")',
           "    return",
           "  fi",
           "  local options='' with_value=''",
           '  case "${COMP_WORDS[1]}" in']
    for command in commands:
        names = [n for o in command["options"] for n in option_names(o)]
        # An optional value (--progress[=FORMAT]) is only ever given after "=".
        valued = [n for o in command["options"] if o["arg"] for n in option_names(o)]
        out += [f"    {command['name']})",
                f"      options='{' '.join(names)}'",
                f"      with_value=' {' '.join(valued)} '"]
        choices = [o for o in command["options"] if o["value"] and CHOICES.match(o["value"])]
        if choices:
            out.append('      case "$prev" in')
            for option in choices:
                words = option["value"].replace("|", " ")
                out += [f"        {'|'.join(option_names(option))})",
                        f'          mapfile -t COMPREPLY < <(compgen -W "{words}" -- "$cur")',
                        "          return ;;"]
            out.append("      esac")
        out[-1] += " ;;"
    out += ["    *) return ;;",
            "  esac",
            "  # The value of an option, a scenario or a folder: bash's own file names (-o default).",
            '  [[ "$with_value" == *" $prev "* ]] && return',
            '  [[ "$cur" == -* ]] && mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")',
            "}",
            "complete -o default -F _firedrill firedrill"]
    return "\n".join(out) + "\n"


def write(path, text):
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    firedrill, man_dir, completion_file = argv[1:]
    try:
        top = parse_main(firedrill)
        commands = [parse_command(firedrill, name, top["synopsis"]) for name in top["commands"]]
        version = subprocess.run([firedrill, "--version"], capture_output=True, text=True,
                                 check=True).stdout.strip()
    except (HelpError, subprocess.CalledProcessError, OSError) as error:
        print(f"help_docs.py: {error}", file=sys.stderr)
        return 1
    os.makedirs(man_dir, exist_ok=True)
    for stale in os.listdir(man_dir):  # a command that went away takes its page with it
        if stale.endswith(".1"):
            os.remove(os.path.join(man_dir, stale))
    write(os.path.join(man_dir, "firedrill.1"), main_page(top, version, commands))
    for command in commands:
        write(os.path.join(man_dir, f"firedrill-{command['name']}.1"),
              command_page(command, version, top["commands"]))
    os.makedirs(os.path.dirname(os.path.abspath(completion_file)), exist_ok=True)
    write(completion_file, completion_script(top, commands))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
