#pragma once
// The decision, shared by every hook. Mirrors src/appfw/evaluate.cc line for line: the
// differential test holds them equal.

#include "appfw_maps.h"

#define NW_AF_INET 2
#define NW_AF_INET6 10
#define NW_IPPROTO_TCP 6
#define NW_IPPROTO_UDP 17

struct nw_subject {
  __u64 ino;
  __u32 dev;
  __u32 uid;
  __u32 pid;
  __u32 app_id;  // 0 = no rule names this executable
};

static __always_inline __u64 nw_config_word(void) {
  __u32 zero = 0;
  __u64 *word = bpf_map_lookup_elem(&nw_config, &zero);
  return word ? *word : 0;
}

static __always_inline __u32 nw_app_id(__u32 gen, __u32 dev, __u64 ino) {
  struct nw_exe_key key = {.gen = gen, .dev = dev, .ino = ino};
  __u32 *app = bpf_map_lookup_elem(&nw_exes, &key);
  return app ? *app : 0;
}

// The calling task's executable, read from task->mm->exe_file (CO-RE). Kernel threads have none.
static __always_inline void nw_current_subject(__u32 gen, struct nw_subject *subject) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct file *exe = BPF_CORE_READ(task, mm, exe_file);
  subject->ino = 0;
  subject->dev = 0;
  if (exe) {
    struct inode *inode = BPF_CORE_READ(exe, f_inode);
    subject->ino = BPF_CORE_READ(inode, i_ino);
    subject->dev = BPF_CORE_READ(inode, i_sb, s_dev);
  }
  subject->uid = (__u32)bpf_get_current_uid_gid();
  subject->pid = (__u32)(bpf_get_current_pid_tgid() >> 32);
  subject->app_id = subject->ino ? nw_app_id(gen, subject->dev, subject->ino) : 0;
}

struct nw_flow {
  __u8 direction;
  __u8 proto;
  __u8 family;  // 4 or 6
  __u16 port;   // host order
  __u8 addr[16];
};

static __always_inline int nw_lookup_rule(__u32 gen, __u32 app, __u32 uid, __u16 port,
                                          const struct nw_flow *flow, struct nw_verdict *out) {
  struct nw_rule_key key = {};
  key.prefixlen = NW_RULE_FIXED_BITS + (flow->family == 4 ? 32 : 128);
  key.gen = gen;
  key.app_id = app;
  key.uid = uid;
  key.port = port;
  key.direction = flow->direction;
  key.proto = flow->proto;
  key.family = flow->family;
  __builtin_memcpy(key.addr, flow->addr, 16);
  struct nw_verdict *found = bpf_map_lookup_elem(&nw_rules, &key);
  if (!found) return 0;
  *out = *found;
  return 1;
}

// Most specific wins: the user's rules before any user's; then the longest remote prefix; then
// the rule naming the port (strict '>' keeps the exact-port answer on a prefix tie).
static __always_inline int nw_decide_rules(__u32 gen, __u32 app, __u32 uid,
                                           const struct nw_flow *flow, struct nw_verdict *out) {
  if (!app) return 0;
  __u32 uids[2] = {uid, NW_ANY_UID};
#pragma unroll
  for (int u = 0; u < 2; u++) {
    struct nw_verdict best = {}, candidate = {};
    int found = 0;
    if (nw_lookup_rule(gen, app, uids[u], flow->port, flow, &candidate)) {
      best = candidate;
      found = 1;
    }
    if (flow->port != 0 && nw_lookup_rule(gen, app, uids[u], 0, flow, &candidate)) {
      if (!found || candidate.addr_prefixlen > best.addr_prefixlen) best = candidate;
      found = 1;
    }
    if (found) {
      *out = best;
      return 1;
    }
  }
  return 0;
}

// A gateway exception limited to another program: this flow is refused.
static __always_inline int nw_guard(__u32 gen, __u32 app, const struct nw_flow *flow,
                                    struct nw_verdict *out) {
  struct nw_guard_key key = {};
  key.gen = gen;
  key.port = flow->port;
  key.proto = flow->proto;
  key.family = flow->family;
  __builtin_memcpy(key.addr, flow->addr, 16);
  struct nw_guard_val *guard = bpf_map_lookup_elem(&nw_guards, &key);
  if (!guard || guard->app_id == app) return 0;
  out->rule_id = guard->rule_id;
  out->action = NW_ACTION_DENY;
  return 1;
}

static __always_inline void nw_emit(__u32 gen, __u8 hook, const struct nw_subject *subject,
                                    const struct nw_flow *flow, const struct nw_verdict *verdict,
                                    __u8 flags) {
  struct nw_event *event = bpf_ringbuf_reserve(&nw_events, sizeof(*event), 0);
  if (!event) return;
  event->ts_ns = bpf_ktime_get_ns();
  event->ino = subject->ino;
  event->dev = subject->dev;
  event->pid = subject->pid;
  event->uid = subject->uid;
  event->gen = gen;
  event->rule_id = verdict->rule_id;
  event->port = flow->port;
  event->action = verdict->action;
  event->hook = hook;
  event->proto = flow->proto;
  event->family = flow->family;
  event->flags = flags;
  event->pad = 0;
  __builtin_memcpy(event->addr, flow->addr, 16);
  if (subject->pid == 0 || bpf_get_current_comm(event->comm, sizeof(event->comm)) != 0) {
    __builtin_memset(event->comm, 0, sizeof(event->comm));  // softirq: no task of ours
  }
  bpf_ringbuf_submit(event, 0);
}

// Emits the event a verdict deserves and returns the hook's answer: 1 to allow, 0 to refuse.
// In report mode a deny of the rules or the default becomes an allow and a would-block event;
// `enforced_anyway` (a gateway guard: the forced VPN's exception, not an apps rule) still refuses.
static __always_inline int nw_conclude(__u64 config, __u32 gen, __u8 hook,
                                       const struct nw_subject *subject, const struct nw_flow *flow,
                                       const struct nw_verdict *verdict, int enforced_anyway) {
  int deny = verdict->action == NW_ACTION_DENY;
  __u8 flags = 0;
  if (deny && !enforced_anyway && NW_CONFIG_REPORT(config)) {
    flags = NW_EVENT_WOULD_BLOCK;
    deny = 0;
  }
  if (verdict->action == NW_ACTION_DENY || NW_CONFIG_LOG_ALLOW(config)) {
    nw_emit(gen, hook, subject, flow, verdict, flags);
  }
  return deny ? 0 : 1;
}

// Decides an outbound flow of the current task; returns 1 to allow, 0 to refuse (EPERM).
static __always_inline int nw_judge_out(__u8 hook, struct nw_flow *flow) {
  __u64 config = nw_config_word();
  __u32 gen = NW_CONFIG_GEN(config);
  if (gen == 0) return 1;  // nothing installed yet
  struct nw_subject subject;
  nw_current_subject(gen, &subject);
  struct nw_verdict verdict = {.rule_id = NW_RULE_DEFAULT, .action = NW_CONFIG_DEFAULT(config)};
  const int guarded = nw_guard(gen, subject.app_id, flow, &verdict);
  if (!guarded) nw_decide_rules(gen, subject.app_id, subject.uid, flow, &verdict);
  return nw_conclude(config, gen, hook, &subject, flow, &verdict, guarded);
}

// An IPv6 address that is an IPv4-mapped one (::ffff:a.b.c.d) is judged as IPv4.
static __always_inline void nw_set_addr6(struct nw_flow *flow, const __u32 *ip6) {
  __u32 words[4] = {ip6[0], ip6[1], ip6[2], ip6[3]};
  __builtin_memset(flow->addr, 0, 16);
  if (words[0] == 0 && words[1] == 0 && words[2] == bpf_htonl(0xffff)) {
    flow->family = 4;
    __builtin_memcpy(flow->addr, &words[3], 4);
  } else {
    flow->family = 6;
    __builtin_memcpy(flow->addr, words, 16);
  }
}
