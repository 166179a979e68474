#!/usr/bin/env bash
# Man pages and shell completion stay true to the CLI: every command and sub-command the binary
# offers (`--help-all`) is in netwarden(8) and both completions, every long option in netwarden(8)
# and the bash completion; the pages render without a groff warning; both completion scripts
# parse; bash completes a few real command lines; `--version` has the promised form.
#   usage: docs_test.sh NETWARDEN_BINARY
set -euo pipefail
binary=$(realpath "$1")
source_dir=${NETWARDEN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
man_src=$source_dir/docs/man/netwarden.8.scd
bash_completion=$source_dir/packaging/completion/netwarden.bash
zsh_completion=$source_dir/packaging/completion/_netwarden

version=$("$binary" --version)
[[ $version =~ ^netwarden\ [0-9]+\.[0-9]+\.[0-9]+( \(.+\))?$ ]] || fail "--version: '$version'"
# One version: project(VERSION) in CMakeLists.txt is what --version and debian/changelog say.
cmake_version=$(sed -nE 's/^project\(netwarden VERSION ([0-9.]+).*/\1/p' "$source_dir/CMakeLists.txt")
[[ $version == "netwarden $cmake_version"* ]] || fail "--version '$version' is not $cmake_version"
deb_version=$(sed -nE '1s/^netwarden \(([^)-]+).*/\1/p' "$source_dir/debian/changelog")
[[ $deb_version == "$cmake_version" ]] ||
  fail "debian/changelog says $deb_version, CMakeLists.txt $cmake_version (dch -v $cmake_version)"

# Commands and options from the binary itself: `--help-all` lists the commands (a bare name at
# the start of a line below "Subcommands:"); each command's (and sub-command's) `--help` lists its
# options ("  -f,--follow  ...") and its own sub-commands ("  apply   description").
help_options() { "$binary" "$@" --help | sed -nE 's/^ +(-[a-zA-Z],)?(--[a-z][a-z0-9-]*).*/\2/p'; }
help_subcommands() {
  "$binary" "$@" --help | awk '/^Subcommands:/ { s = 1; next } /^[^ ]/ { s = 0 } s && NF { print $1 }'
}
commands=$("$binary" --help-all | awk '/^Subcommands:/ { s = 1; next } s && /^[a-z][a-z-]*$/ { print $1 }')
[[ -n $commands ]] || fail "no commands found in --help-all"
options=""
all_commands=$commands
for command in $commands; do
  options+=" $(help_options "$command")"
  for sub in $(help_subcommands "$command"); do
    all_commands+=" $sub"
    options+=" $(help_options "$command" "$sub")"
  done
done
commands=$(tr ' ' '\n' <<<"$all_commands" | sort -u)
options=$(tr ' ' '\n' <<<"$options" | grep -vxE -- '--help|--help-all|--version|' | sort -u)
missing=()
for command in $commands; do
  grep -qE "\*$command\*" "$man_src" || missing+=("netwarden.8.scd: command $command")
  grep -qE "(^|[\" ])$command([\" ]|\$)" "$bash_completion" || missing+=("netwarden.bash: command $command")
  grep -qE "(^|[ '(])$command[\\:) |]" "$zsh_completion" || missing+=("_netwarden: command $command")
done
for option in $options; do
  grep -qF -- "*$option*" "$man_src" || missing+=("netwarden.8.scd: option $option")
  grep -qE -- "(^|[ \"|])$option([ \"|)]|$)" "$bash_completion" || missing+=("netwarden.bash: option $option")
done
((${#missing[@]} == 0)) || fail "not documented or not completed (add them):$(printf '\n  %s' "${missing[@]}")"

for page in netwarden.8 netwarden-policy.5; do
  scdoc <"$source_dir/docs/man/$page.scd" >"$work/$page" || fail "scdoc $page"
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$work/$page" 2>&1 >/dev/null)
  [[ -z $warnings ]] || fail "$page: $warnings"
done

bash -n "$bash_completion" || fail "bash completion does not parse"
zsh -n "$zsh_completion" || fail "zsh completion does not parse"
# shellcheck disable=SC1090,SC1091
complete_line() { # prints what bash offers for the words given (the last one is being typed)
  bash -c 'source /usr/share/bash-completion/bash_completion; source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="${COMP_WORDS[*]}"
    COMP_POINT=${#COMP_LINE}; _netwarden netwarden "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$bash_completion" "$@"
}
[[ $(complete_line netwarden th) == threats ]] || fail "bash: 'netwarden th' does not complete"
[[ $(complete_line netwarden threats apply --off) == --offline ]] || fail "bash: threats apply --off"
[[ $(complete_line netwarden explain --proto "" | tr '\n' ' ') == "tcp udp icmp " ]] ||
  fail "bash: explain --proto"
echo "docs_test: ok ($(wc -w <<<"$commands") commands, $(wc -w <<<"$options") options)"
