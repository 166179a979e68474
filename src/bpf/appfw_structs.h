#pragma once
// The kernel ABI of the app firewall: map keys, values and events, shared by the BPF programs
// (src/bpf/appfw.bpf.c) and user space (src/appfw/libbpf_kernel.cc). Fixed-size fields only,
// explicit padding, so both compilers lay them out identically.

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define NW_NAME_LEN 256
#define NW_RULE_NAME_LEN 64
#define NW_ANY_UID 0xffffffffu
#define NW_ACTION_ALLOW 0
#define NW_ACTION_DENY 1
#define NW_DIR_OUT 0
#define NW_DIR_IN 1
#define NW_HOOK_CONNECT 1
#define NW_HOOK_SENDMSG 2
#define NW_HOOK_BIND 3
#define NW_HOOK_INGRESS 4
#define NW_RULE_DEFAULT 0
// nw_event.flags: report mode let a denied flow through.
#define NW_EVENT_WOULD_BLOCK 1
// Bits of the LPM key that are always exact (everything before the address).
#define NW_RULE_FIXED_BITS (17 * 8)

// Executable identity -> app id. `dev` is the kernel's encoding (MAJOR << 20 | MINOR).
struct nw_exe_key {
  __u32 gen;
  __u32 dev;
  __u64 ino;
};

// Longest-prefix-match key: every field before `addr` is always matched exactly.
struct nw_rule_key {
  __u32 prefixlen;
  __u32 gen;
  __u32 app_id;
  __u32 uid;   // NW_ANY_UID = any user
  __u16 port;  // host order; 0 = any port
  __u8 direction;
  __u8 proto;   // IPPROTO_TCP / IPPROTO_UDP
  __u8 family;  // 4 or 6
  __u8 addr[16];
  __u8 pad[3];
};

struct nw_verdict {
  __u32 rule_id;  // 0 = default
  __u8 action;
  __u8 addr_prefixlen;  // of the matched remote network, to compare lookups
  __u8 pad[2];
};

// May this program listen on this local port (bind)?
struct nw_listen_key {
  __u32 gen;
  __u32 app_id;
  __u32 uid;
  __u16 port;
  __u8 proto;
  __u8 pad;
};

// A gateway exception limited to one program: others may not reach (addr, proto, port).
struct nw_guard_key {
  __u32 gen;
  __u16 port;
  __u8 proto;
  __u8 family;
  __u8 addr[16];
};

struct nw_guard_val {
  __u32 app_id;
  __u32 rule_id;
};

// Program paths (nw_names: kind 0, id = app id) and rule names (nw_rule_names: kind 1, id = rule
// id) for events; separate maps so that 10,000 rule names do not take 256 bytes each.
struct nw_name_key {
  __u32 gen;
  __u32 kind;
  __u32 id;
};

struct nw_name {
  char text[NW_NAME_LEN];
};

struct nw_rule_name {
  char text[NW_RULE_NAME_LEN];
};

// Socket storage: who created the socket, and whether it was bound to a port (a server).
struct nw_sock_tag {
  __u64 ino;
  __u32 dev;
  __u32 uid;
  __u32 bound;
  __u32 pad;
};

struct nw_event {
  __u64 ts_ns;
  __u64 ino;
  __u32 dev;
  __u32 pid;
  __u32 uid;
  __u32 gen;
  __u32 rule_id;
  __u16 port;  // remote port (out) or local port (bind, ingress)
  __u8 action;
  __u8 hook;
  __u8 proto;
  __u8 family;
  __u8 flags;  // NW_EVENT_WOULD_BLOCK
  __u8 pad;
  __u8 addr[16];  // remote address (zero for bind)
  char comm[16];  // the task's name: names programs that exited before user space looked
};

// config[0]: generation in the low 32 bits, default action in bits 32-39, log-allow in bit 40,
// report mode in bit 41 (apps rules and apps.default deny nothing: they emit would-block events;
// gateway guards still refuse). One 64-bit word so that switching generation, default and mode
// is a single atomic store.
#define NW_CONFIG_GEN(word) ((__u32)(word))
#define NW_CONFIG_DEFAULT(word) ((__u8)((word) >> 32))
#define NW_CONFIG_LOG_ALLOW(word) ((((word) >> 40) & 1) != 0)
#define NW_CONFIG_REPORT(word) ((((word) >> 41) & 1) != 0)
