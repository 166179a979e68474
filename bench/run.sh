#!/usr/bin/env bash
# `make bench`: every benchmark, one after the other, figures printed as they come.
#   usage: bench/run.sh BUILD_DIR
set -euo pipefail
BUILD_DIR=${1:-build}
here=$(dirname "$0")
if [[ -f "$here/apply_scale.sh" ]]; then
  echo "== render + apply time vs breakout CIDRs (bench/apply_scale.sh)"
  bash "$here/apply_scale.sh" "$BUILD_DIR"
fi
echo "== verify: proof time and memory vs breakout prefixes, against apply (bench/verify/run.sh)"
bash "$here/verify/run.sh" "$BUILD_DIR"
echo "== throughput with and without the ruleset (bench/throughput.sh)"
bash "$here/throughput.sh" "$BUILD_DIR"
echo "== agent: reaction time to a netlink event, idle RSS and CPU (bench/agent/reaction.sh)"
bash "$here/agent/reaction.sh" "$BUILD_DIR"
echo "== agent: idle CPU/RSS with all three planes and a 1 M-entry feed, repair times (bench/agent/idle.sh)"
bash "$here/agent/idle.sh" "$BUILD_DIR"
echo "== per-program firewall: connect() latency with 0/100/10k rules, map memory (bench/appfw/run.sh)"
bash "$here/appfw/run.sh" "$BUILD_DIR/netwarden"
echo "== IP reputation: 1 M entries vs nft -f, a 10 k-change refresh (bench/threats/run.sh)"
bash "$here/threats/run.sh" "$BUILD_DIR/netwarden"
echo "== IP reputation: lab throughput with 1 M-entry sets vs none (bench/threats/lab_throughput.sh)"
bash "$here/threats/lab_throughput.sh" "$BUILD_DIR"
echo "== VPN log audit: lines per CPU-second per format (bench/audit/run.sh; needs ~5 GB in /tmp)"
bash "$here/audit/run.sh" "$BUILD_DIR/netwarden"
