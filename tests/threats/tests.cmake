# IP-reputation feeds: parsers, validation, merge and diff (unit); enforcement in a namespace (kernel).
netwarden_unit_test(threats_feed_test
  ${CMAKE_CURRENT_LIST_DIR}/feed_parser_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/merge_validate_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/threat_ruleset_test.cc
  LIBS nw_threats_core nw_policy)

add_test(NAME kernel_threats
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/enforce_test.sh $<TARGET_FILE:netwarden>)
set_tests_properties(kernel_threats PROPERTIES LABELS "kernel;lab" TIMEOUT 300 RESOURCE_LOCK netns
  ENVIRONMENT "NETWARDEN_SOURCE_DIR=${CMAKE_SOURCE_DIR}")

add_test(NAME kernel_threats_inspect
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/inspect_test.sh $<TARGET_FILE:netwarden>)
set_tests_properties(kernel_threats_inspect PROPERTIES LABELS "kernel;lab" TIMEOUT 120 RESOURCE_LOCK netns)

add_test(NAME kernel_threats_edges
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/edges_test.sh $<TARGET_FILE:netwarden>)
set_tests_properties(kernel_threats_edges PROPERTIES LABELS "kernel;lab" TIMEOUT 60 RESOURCE_LOCK netns)

add_test(NAME kernel_threats_scale
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/scale_test.sh $<TARGET_FILE:netwarden>)
set_tests_properties(kernel_threats_scale PROPERTIES LABELS "kernel;lab" TIMEOUT 300 RESOURCE_LOCK netns)

netwarden_unit_test(threats_explain_test ${CMAKE_CURRENT_LIST_DIR}/threat_explain_test.cc
  LIBS nw_threats nw_policy nw_situation nw_compiler)

# The agent with a feed: download, events with the entry, status, explain, refresh, refusal,
# kill -9 + reboot-like restart from the disk copy before the network, scheduled retry.
add_test(NAME agent_threats
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/agent_test.sh $<TARGET_FILE:netwarden>)
set_tests_properties(agent_threats PROPERTIES LABELS "kernel;lab" TIMEOUT 180 RESOURCE_LOCK netns)

# Inspection with the forced VPN in force, driven by the agent (wireguard-go wg-inspect, blocked
# state, inspect feed), and the postrouting guard with the inspection routes gone.
add_test(NAME agent_threats_inspect
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/inspect_agent_test.sh $<TARGET_FILE:netwarden>)
set_tests_properties(agent_threats_inspect PROPERTIES LABELS "kernel;lab" TIMEOUT 180
  RESOURCE_LOCK netns)

# The update plan (pure), `threats apply` and the agent's ThreatManager against the in-memory
# kernel (tests/threats/fake_threat_kernel.h): no root.
netwarden_unit_test(threats_plan_test
  ${CMAKE_CURRENT_LIST_DIR}/update_plan_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/threat_manager_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/apply_fake_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/ingest_limits_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/feed_hardening_test.cc
  LIBS nw_threat_manager nw_threats nw_policy)

# Cache files replaced durably: fsync of the file, rename, fsync of the directory (strace).
add_test(NAME threats_cache_fsync
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cache_sync_test.sh $<TARGET_FILE:threats_plan_test>)
set_tests_properties(threats_cache_fsync PROPERTIES LABELS unit)

# The netlink ThreatKernel and agent::ThreatManager in a namespace: read-back, drift found
# (deleted table, deleted element, added rule) and repaired, the read-back cost at 1 M entries.
add_executable(threats_kernel_test ${CMAKE_CURRENT_LIST_DIR}/threat_kernel_test.cc)
target_link_libraries(threats_kernel_test PRIVATE nw_threat_manager GTest::gtest GTest::gtest_main)
add_test(NAME kernel_threats_manager
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/kernel_manager_test.sh $<TARGET_FILE:threats_kernel_test>)
set_tests_properties(kernel_threats_manager PROPERTIES LABELS kernel TIMEOUT 120 RESOURCE_LOCK netns)
