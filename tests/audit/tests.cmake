netwarden_unit_test(audit_baseline_test ${CMAKE_CURRENT_LIST_DIR}/baseline_test.cc LIBS nw_audit)
netwarden_unit_test(audit_unit_test
  ${CMAKE_CURRENT_LIST_DIR}/time_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/text_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/detector_test.cc
  LIBS nw_audit)
set_tests_properties(audit_baseline_test audit_unit_test PROPERTIES LABELS "unit;audit")
