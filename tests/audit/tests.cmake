netwarden_unit_test(audit_baseline_test ${CMAKE_CURRENT_LIST_DIR}/baseline_test.cc LIBS nw_audit)
netwarden_unit_test(audit_unit_test
  ${CMAKE_CURRENT_LIST_DIR}/time_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/text_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/detector_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/history_migration_test.cc
  LIBS nw_audit)
# The migration test writes a first-release database file with SQLite itself.
pkg_check_modules(AUDIT_TEST_SQLITE REQUIRED IMPORTED_TARGET sqlite3)
target_link_libraries(audit_unit_test PRIVATE PkgConfig::AUDIT_TEST_SQLITE)
set_tests_properties(audit_baseline_test audit_unit_test PROPERTIES LABELS "unit;audit")

# The HTML report in headless Chromium; skipped (77) where chromium/npm/GeoIP are missing.
add_test(NAME audit_browser_test
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/browser_test.sh $<TARGET_FILE:netwarden> ${CMAKE_BINARY_DIR})
set_tests_properties(audit_browser_test PROPERTIES LABELS "unit;audit;browser" SKIP_RETURN_CODE 77
  TIMEOUT 180)

include(${CMAKE_CURRENT_LIST_DIR}/report_safety.cmake)
