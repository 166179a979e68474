# App firewall (issue 5). Unit tests need no root; lab tests attach eBPF programs to a cgroup of
# their own (never the root cgroup) and run their programs in it, inside namespaces of their own.
netwarden_unit_test(appfw_policy_test ${CMAKE_CURRENT_LIST_DIR}/apps_policy_test.cc
  LIBS nw_appfw_core)
netwarden_unit_test(appfw_tables_test ${CMAKE_CURRENT_LIST_DIR}/tables_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/agent_test.cc ${CMAKE_CURRENT_LIST_DIR}/program_watcher_test.cc
  LIBS nw_appfw_core)
netwarden_unit_test(appfw_manager_test ${CMAKE_CURRENT_LIST_DIR}/apps_manager_test.cc
  LIBS nw_agent_apps)
if(TARGET nw_appfw_kernel)
  netwarden_unit_test(appfw_bpf_keys_test ${CMAKE_CURRENT_LIST_DIR}/bpf_keys_test.cc
    LIBS nw_appfw_kernel)
endif()

add_executable(appfw_probe ${CMAKE_CURRENT_LIST_DIR}/appfw_probe.cc)
set_target_properties(appfw_probe PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
# The apps manager driven like the agent's loop, for appfw_manager (real kernel).
add_executable(appfw_manager_driver ${CMAKE_CURRENT_LIST_DIR}/manager_driver.cc)
target_link_libraries(appfw_manager_driver PRIVATE nw_agent_apps)
set_target_properties(appfw_manager_driver PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

# netwarden_appfw_test(name script): root, real kernel; one at a time (netns lock).
function(netwarden_appfw_test name script)
  add_test(NAME ${name}
    COMMAND bash ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${script} $<TARGET_FILE:netwarden>
            $<TARGET_FILE:appfw_probe>)
  set_tests_properties(${name} PROPERTIES LABELS "lab;appfw" RESOURCE_LOCK netns TIMEOUT 120
    ENVIRONMENT "NETWARDEN_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()
netwarden_appfw_test(appfw_outbound outbound_test.sh)
netwarden_appfw_test(appfw_inbound inbound_test.sh)
netwarden_appfw_test(appfw_lifecycle lifecycle_test.sh)
netwarden_appfw_test(appfw_differential differential_test.sh)
netwarden_appfw_test(appfw_gateway gateway_test.sh)
netwarden_appfw_test(appfw_agent agent_apps_test.sh)
set_tests_properties(appfw_agent PROPERTIES SKIP_RETURN_CODE 77)
if(TARGET nw_appfw_kernel)
  add_test(NAME appfw_manager
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/manager_test.sh $<TARGET_FILE:netwarden>
            $<TARGET_FILE:appfw_probe> $<TARGET_FILE:appfw_manager_driver>)
  set_tests_properties(appfw_manager PROPERTIES LABELS "lab;appfw" RESOURCE_LOCK netns TIMEOUT 120)
endif()
