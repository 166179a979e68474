#pragma once
// Maps of the app firewall. Sizes hold two generations of tables (old and new) during a swap.

#include "appfw_structs.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
  __uint(map_flags, BPF_F_MMAPABLE);  // user space switches generations with one atomic store
} nw_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, struct nw_exe_key);
  __type(value, __u32);
  __uint(map_flags, BPF_F_NO_PREALLOC);
} nw_exes SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 262144);
  __type(key, struct nw_rule_key);
  __type(value, struct nw_verdict);
  __uint(map_flags, BPF_F_NO_PREALLOC);
} nw_rules SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, struct nw_listen_key);
  __type(value, struct nw_verdict);
  __uint(map_flags, BPF_F_NO_PREALLOC);
} nw_listen SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, struct nw_guard_key);
  __type(value, struct nw_guard_val);
  __uint(map_flags, BPF_F_NO_PREALLOC);
} nw_guards SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8192);
  __type(key, struct nw_name_key);
  __type(value, struct nw_name);
  __uint(map_flags, BPF_F_NO_PREALLOC);
} nw_names SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, struct nw_name_key);
  __type(value, struct nw_rule_name);
  __uint(map_flags, BPF_F_NO_PREALLOC);
} nw_rule_names SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_SK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct nw_sock_tag);
} nw_sock_tags SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 20);
} nw_events SEC(".maps");
