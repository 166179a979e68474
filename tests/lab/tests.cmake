# Network-lab tests (root, real kernel, namespaces; tests/lab/lib.sh builds and removes the lab).
netwarden_lab_test(lab_forced_vpn forced_vpn.sh)
netwarden_lab_test(lab_differential differential.sh)
netwarden_lab_test(lab_localnet localnet.sh)
netwarden_lab_test(lab_serverip serverip.sh)
netwarden_lab_test(lab_tunnelvision tunnelvision.sh)
netwarden_lab_test(lab_leak_harness leak_harness.sh)
netwarden_lab_test(lab_breakout_ports breakout_ports.sh)
