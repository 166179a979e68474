# Lab tests of the live agent (issue 3): root, real kernel, namespaces, real WireGuard/OpenVPN/SSH.
# netwarden_lab_test() runs tests/lab/<script>; the scripts live in tests/agent_lab/.
# See docs/AGENT_TESTS.md.
netwarden_lab_test(agent_leak_states ../agent_lab/agent_leak_states.sh)
netwarden_lab_test(agent_kill_adopt ../agent_lab/agent_kill_adopt.sh)
netwarden_lab_test(agent_flapping ../agent_lab/agent_flapping.sh)
netwarden_lab_test(agent_serverip ../agent_lab/agent_serverip.sh)
netwarden_lab_test(agent_tunnelvision ../agent_lab/agent_tunnelvision.sh)
netwarden_lab_test(agent_probe_spoof ../agent_lab/agent_probe_spoof.sh)
netwarden_lab_test(agent_vpn_kinds ../agent_lab/agent_vpn_kinds.sh)
netwarden_lab_test(agent_portal_control ../agent_lab/agent_portal_control.sh)
netwarden_lab_test(agent_drift ../agent_lab/agent_drift.sh)
netwarden_lab_test(agent_iface_identity ../agent_lab/agent_iface_identity.sh)
netwarden_lab_test(agent_planes ../agent_lab/agent_planes.sh)
