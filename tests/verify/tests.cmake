# netwarden verify: kernel-free proofs and mutations (unit), and the real kernel in a namespace.
netwarden_unit_test(verify_test ${CMAKE_CURRENT_LIST_DIR}/verify_test.cc LIBS nw_verify nw_policy)
add_test(NAME kernel_verify COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/kernel_test.sh $<TARGET_FILE:netwarden>)
set_tests_properties(kernel_verify PROPERTIES LABELS "kernel;lab" TIMEOUT 180
  ENVIRONMENT "NETWARDEN_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
