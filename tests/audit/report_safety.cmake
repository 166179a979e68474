# Report safety (issue 11 item 3): crafted strings in the HTML report, CSV, terminal and served
# page. Included from tests.cmake.
netwarden_unit_test(audit_report_safety_test
  ${CMAKE_CURRENT_LIST_DIR}/report_safety_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/csv_safety_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/terminal_safety_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/serve_guard_test.cc
  LIBS nw_audit nlohmann_json::nlohmann_json)
set_tests_properties(audit_report_safety_test PROPERTIES LABELS "unit;audit")

# The crafted report in Debian's headless Chromium: one matrix row per user whatever the names.
add_executable(audit_crafted_report ${CMAKE_CURRENT_LIST_DIR}/crafted_report_main.cc)
target_link_libraries(audit_crafted_report PRIVATE nw_audit nlohmann_json::nlohmann_json)
add_test(NAME audit_report_safety_browser_test
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/report_safety_browser_test.sh
    $<TARGET_FILE:audit_crafted_report> ${CMAKE_BINARY_DIR})
set_tests_properties(audit_report_safety_browser_test PROPERTIES
  LABELS "unit;audit;browser" SKIP_RETURN_CODE 77 TIMEOUT 240)

# `audit serve` against curl on loopback: wrong Host 421, no token 403, security headers.
add_test(NAME audit_serve_safety_test
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/serve_safety_test.sh $<TARGET_FILE:netwarden>)
set_tests_properties(audit_serve_safety_test PROPERTIES LABELS "unit;audit" SKIP_RETURN_CODE 77
  TIMEOUT 120)
