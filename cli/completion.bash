# bash completion for sluice (installed as /usr/share/bash-completion/completions/sluice).
# Options and choices are read from the installed binary's own --help, so they never drift
# from its flags: `sluice scan --format <TAB>` offers text json jsonl sarif html.
_sluice() {
  local cur prev
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  # "--format=js": bash splits at '=' (COMP_WORDBREAKS): the option is the word before it.
  if [[ $cur == = ]]; then
    cur=""
  elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
    prev=${COMP_WORDS[COMP_CWORD-2]}
  fi
  local sluice=${COMP_WORDS[0]}
  # The command words typed so far (scan, rules list...), options excluded.
  local -a command=()
  local i
  for ((i = 1; i < COMP_CWORD; ++i)); do
    case ${COMP_WORDS[i]} in
      scan | merge | validate | report | rules | list | show | check | profile) command+=("${COMP_WORDS[i]}") ;;
    esac
  done
  local help
  help=$("$sluice" "${command[@]}" --help 2>/dev/null) || return 0
  # Only what the help lists as options and subcommands (its examples name other commands' flags).
  help=$(sed -n '/^Options:/,/^Run `/p' <<<"$help" | sed '/^Run `/d')
  # A value for the option just typed: its {a,b,c} choices, else files.
  if [[ $prev == -* ]]; then
    local line
    line=$(grep -E -- "(^|[ ,])${prev}([ =,]|$)" <<<"$help" | head -n 1)
    if [[ $line =~ \{([a-z0-9,_-]+)\} ]]; then
      mapfile -t COMPREPLY < <(compgen -W "${BASH_REMATCH[1]//,/ }" -- "$cur")
      return 0
    fi
    if [[ $line =~ ${prev}\ [A-Z] ]]; then
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return 0
    fi
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' <<<"$help" | tr -d ' ,' | sort -u)" -- "$cur")
    return 0
  fi
  # Subcommands listed under "Subcommands:", else paths to scan.
  local subcommands
  subcommands=$(sed -n '/^Subcommands:/,/^$/p' <<<"$help" | awk 'NR > 1 && NF {print $1}')
  if [[ -n $subcommands ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$subcommands" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}
complete -o filenames -o bashdefault -F _sluice sluice
