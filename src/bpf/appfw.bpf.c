// SPDX-License-Identifier: GPL-2.0
// netwarden per-program firewall: cgroup hooks that judge every TCP/UDP flow of the processes in
// the attached cgroup by the executable's (device, inode), from maps user space fills.
// connect4/6 (TCP, connected UDP) and sendmsg4/6 (unconnected UDP) judge outbound flows; bind4/6
// judges which program may listen on which local port; cgroup_skb/ingress judges inbound
// connections by source for sockets tagged at creation (sock_create + socket storage).

// clang-format off: vmlinux.h defines the kernel types every other header needs.
#include "vmlinux.h"
// clang-format on

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "appfw_helpers.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline int nw_is_judged(__u32 protocol) {
  return protocol == NW_IPPROTO_TCP || protocol == NW_IPPROTO_UDP;
}

static __always_inline int nw_out4(struct bpf_sock_addr *ctx, __u8 hook) {
  if (!nw_is_judged(ctx->protocol)) return 1;
  struct nw_flow flow = {.direction = NW_DIR_OUT, .proto = (__u8)ctx->protocol, .family = 4};
  __u32 ip = ctx->user_ip4;
  __builtin_memcpy(flow.addr, &ip, 4);
  flow.port = bpf_ntohs((__u16)ctx->user_port);
  return nw_judge_out(hook, &flow);
}

static __always_inline int nw_out6(struct bpf_sock_addr *ctx, __u8 hook) {
  if (!nw_is_judged(ctx->protocol)) return 1;
  struct nw_flow flow = {.direction = NW_DIR_OUT, .proto = (__u8)ctx->protocol};
  __u32 ip6[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
  nw_set_addr6(&flow, ip6);
  flow.port = bpf_ntohs((__u16)ctx->user_port);
  return nw_judge_out(hook, &flow);
}

SEC("cgroup/connect4")
int nw_connect4(struct bpf_sock_addr *ctx) { return nw_out4(ctx, NW_HOOK_CONNECT); }

SEC("cgroup/connect6")
int nw_connect6(struct bpf_sock_addr *ctx) { return nw_out6(ctx, NW_HOOK_CONNECT); }

SEC("cgroup/sendmsg4")
int nw_sendmsg4(struct bpf_sock_addr *ctx) { return nw_out4(ctx, NW_HOOK_SENDMSG); }

SEC("cgroup/sendmsg6")
int nw_sendmsg6(struct bpf_sock_addr *ctx) { return nw_out6(ctx, NW_HOOK_SENDMSG); }

static __always_inline int nw_lookup_listen(__u32 gen, __u32 app, __u32 uid, __u16 port, __u8 proto,
                                            struct nw_verdict *out) {
  struct nw_listen_key key = {.gen = gen, .app_id = app, .uid = uid, .port = port, .proto = proto};
  struct nw_verdict *found = bpf_map_lookup_elem(&nw_listen, &key);
  if (!found) return 0;
  *out = *found;
  return 1;
}

// bind(): may this program listen on this local port? Port 0 (ephemeral) is not judged here;
// inbound packets still are (ingress).
static __always_inline int nw_bind(struct bpf_sock_addr *ctx, __u8 family) {
  if (!nw_is_judged(ctx->protocol)) return 1;
  __u16 port = bpf_ntohs((__u16)ctx->user_port);
  if (port == 0) return 1;
  struct bpf_sock *sk = ctx->sk;
  if (sk) {
    struct nw_sock_tag *tag = bpf_sk_storage_get(&nw_sock_tags, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
    if (tag) tag->bound = 1;
  }
  __u64 config = nw_config_word();
  __u32 gen = NW_CONFIG_GEN(config);
  if (gen == 0) return 1;
  struct nw_subject subject;
  nw_current_subject(gen, &subject);
  struct nw_flow flow = {
      .direction = NW_DIR_IN, .proto = (__u8)ctx->protocol, .family = family, .port = port};
  struct nw_verdict verdict = {.rule_id = NW_RULE_DEFAULT, .action = NW_CONFIG_DEFAULT(config)};
  __u8 proto = (__u8)ctx->protocol;
  if (subject.app_id) {
    if (!nw_lookup_listen(gen, subject.app_id, subject.uid, port, proto, &verdict) &&
        !nw_lookup_listen(gen, subject.app_id, subject.uid, 0, proto, &verdict) &&
        !nw_lookup_listen(gen, subject.app_id, NW_ANY_UID, port, proto, &verdict)) {
      nw_lookup_listen(gen, subject.app_id, NW_ANY_UID, 0, proto, &verdict);
    }
  }
  return nw_conclude(config, gen, NW_HOOK_BIND, &subject, &flow, &verdict, 0);
}

SEC("cgroup/bind4")
int nw_bind4(struct bpf_sock_addr *ctx) { return nw_bind(ctx, 4); }

SEC("cgroup/bind6")
int nw_bind6(struct bpf_sock_addr *ctx) { return nw_bind(ctx, 6); }

// Tags every new socket with its creator, so that inbound packets (softirq, no process) can be
// judged by the program that owns the socket.
SEC("cgroup/sock_create")
int nw_sock_create(struct bpf_sock *sk) {
  struct nw_sock_tag *tag = bpf_sk_storage_get(&nw_sock_tags, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
  if (!tag) return 1;
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct file *exe = BPF_CORE_READ(task, mm, exe_file);
  if (exe) {
    struct inode *inode = BPF_CORE_READ(exe, f_inode);
    tag->ino = BPF_CORE_READ(inode, i_ino);
    tag->dev = BPF_CORE_READ(inode, i_sb, s_dev);
  }
  tag->uid = (__u32)bpf_get_current_uid_gid();
  return 1;
}

// Inbound: TCP packets reaching a listening socket (connection requests) and datagrams reaching
// a UDP socket bound to a port and not connected. Replies to outbound flows are not judged.
// The protocol and the local port are the socket's: the kernel has already parsed every header
// (IPv6 extension headers, fragments reassembled) to deliver the packet to this socket, so no
// header chain can hide them from us. Only the source address is read from the packet, from the
// fixed part of the IP header.
SEC("cgroup_skb/ingress")
int nw_ingress(struct __sk_buff *skb) {
  struct bpf_sock *sk = skb->sk;
  if (!sk) return 1;
  sk = bpf_sk_fullsock(sk);
  if (!sk) return 1;
  const __u32 protocol = sk->protocol;
  if (protocol == NW_IPPROTO_TCP) {
    if (sk->state != BPF_TCP_LISTEN) return 1;
  } else if (protocol != NW_IPPROTO_UDP) {
    return 1;
  }
  struct nw_sock_tag *tag = bpf_sk_storage_get(&nw_sock_tags, sk, 0, 0);
  if (!tag) return 1;  // a socket created before we were attached
  if (protocol == NW_IPPROTO_UDP && (!tag->bound || sk->state == BPF_TCP_ESTABLISHED)) return 1;

  __u64 config = nw_config_word();
  __u32 gen = NW_CONFIG_GEN(config);
  if (gen == 0) return 1;
  struct nw_subject subject = {.ino = tag->ino, .dev = tag->dev, .uid = tag->uid, .pid = 0};
  subject.app_id = subject.ino ? nw_app_id(gen, subject.dev, subject.ino) : 0;
  struct nw_flow flow = {
      .direction = NW_DIR_IN, .proto = (__u8)protocol, .port = (__u16)sk->src_port};
  int source_read = 0;
  if (skb->protocol == bpf_htons(0x0800)) {
    flow.family = 4;
    source_read = bpf_skb_load_bytes(skb, 12, flow.addr, 4) == 0;
  } else if (skb->protocol == bpf_htons(0x86DD)) {
    flow.family = 6;
    source_read = bpf_skb_load_bytes(skb, 8, flow.addr, 16) == 0;
  }
  if (!source_read) {
    // Cannot be judged by source: refused for a program that has rules (or a deny default).
    if (!subject.app_id && NW_CONFIG_DEFAULT(config) != NW_ACTION_DENY) return 1;
    struct nw_verdict refused = {.rule_id = NW_RULE_DEFAULT, .action = NW_ACTION_DENY};
    return nw_conclude(config, gen, NW_HOOK_INGRESS, &subject, &flow, &refused, 0);
  }
  struct nw_verdict verdict = {.rule_id = NW_RULE_DEFAULT, .action = NW_CONFIG_DEFAULT(config)};
  nw_decide_rules(gen, subject.app_id, subject.uid, &flow, &verdict);
  return nw_conclude(config, gen, NW_HOOK_INGRESS, &subject, &flow, &verdict, 0);
}
