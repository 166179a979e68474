# bash completion for netwarden(8). Subcommands and options; files for POLICY and FILE
# arguments. Kept in step with the CLI by tests/packaging/completion_test.sh.

_netwarden() {
  local cur prev words cword
  _init_completion || return

  local commands="check render apply flush explain agent status reload portal events appfw threats audit verify"
  local -A subcommands=(
    [appfw]="apply flush status events"
    [threats]="apply flush explain status refresh"
    [audit]="serve"
  )
  local -A options=(
    [check]=""
    [render]="--situation"
    [apply]="--situation"
    [flush]="--pin --threat-cache"
    [explain]="--control --situation --proto --dst --port --sport --oif --uid --json --threat-cache --compiled --batch --program --user --direction --plane"
    [agent]="--policy --control --control-group --events --state --resolv-conf --threat-cache --cgroup --pin --resync-ms --trailing-debounce --no-syslog"
    [status]="--control --json"
    [reload]="--control"
    [portal]="--control --for"
    [events]="--file --follow -f --json"
    [appfw apply]="--cgroup --pin --log-allow"
    [appfw flush]="--pin"
    [appfw status]="--pin"
    [appfw events]="--pin --follow --json"
    [threats apply]="--cache --offline --max-shrink"
    [threats flush]="--cache"
    [threats explain]="--dst --cache"
    [threats status]="--cache"
    [threats refresh]="--control --wait"
    [audit]="--format --year --from --to --tz --home --geoip --city-db --no-geo --allow-list --db --disable --user --country --source --json --csv --report --examples --same-day-medium --same-day-high --travel-kmh --travel-min-km --new-country-days --spray-users --spray-window --failures"
    [audit serve]="--listen --allow-host"
    [verify]="--situation --control --equivalence --all-states --diff --max-counterexamples"
  )

  # The command (and sub-command) typed so far.
  local command="" i
  for ((i = 1; i < cword; i++)); do
    [[ ${words[i]} == -* ]] && continue
    if [[ -z $command ]]; then
      [[ " $commands " == *" ${words[i]} "* ]] && command=${words[i]}
    elif [[ -n ${subcommands[$command]} && " ${subcommands[$command]} " == *" ${words[i]} "* ]]; then
      command="$command ${words[i]}"
      break
    fi
  done

  case $prev in
    --proto) COMPREPLY=($(compgen -W "tcp udp icmp" -- "$cur")); return ;;
    --direction) COMPREPLY=($(compgen -W "in out" -- "$cur")); return ;;
    --oif) COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")); return ;;
    --control-group) COMPREPLY=($(compgen -g -- "$cur")); return ;;
    --user) [[ $command == explain ]] && COMPREPLY=($(compgen -u -- "$cur")); return ;;
    --cgroup | --pin | --cache | --threat-cache) _filedir -d; return ;;
    --policy | --situation | --control | --events | --state | --resolv-conf | --file | --batch | \
      --program | --geoip | --city-db | --allow-list | --db | --csv | --report)
      _filedir; return ;;
    --json) # a file name for audit, a flag elsewhere
      [[ $command == audit ]] && { _filedir; return; } ;;
    --dst | --port | --sport | --uid | --for | --wait | --rescan-ms | --max-shrink | --format | \
      --year | --from | --to | --tz | --home | --disable | --country | --source | --examples | \
      --listen | --same-day-* | --travel-* | --new-country-days | --spray-* | --failures)
      return ;;
  esac

  if [[ -z $command ]]; then
    COMPREPLY=($(compgen -W "$commands --version --help --help-all" -- "$cur"))
    return
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "${options[$command]} --help" -- "$cur"))
    return
  fi
  if [[ -n ${subcommands[$command]} && $command != audit ]]; then
    COMPREPLY=($(compgen -W "${subcommands[$command]}" -- "$cur"))
    return
  fi
  if [[ $command == audit ]]; then
    COMPREPLY=($(compgen -W "serve" -- "$cur"))
  fi
  _filedir
}
complete -F _netwarden netwarden
