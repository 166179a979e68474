# Real-kernel tests that need only a bare namespace (no lab). Root required.
add_test(NAME kernel_apply COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/apply_test.sh $<TARGET_FILE:netwarden>)
set_tests_properties(kernel_apply PROPERTIES LABELS "kernel;lab" TIMEOUT 120
  ENVIRONMENT "NETWARDEN_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
# A missing or refused policy: block-all and exit 2 (issue 14 item 4), with traffic.
add_test(NAME kernel_apply_blockall
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/apply_blockall_test.sh $<TARGET_FILE:netwarden>)
set_tests_properties(kernel_apply_blockall PROPERTIES LABELS "kernel;lab" TIMEOUT 60)
