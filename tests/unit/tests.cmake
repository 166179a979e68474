netwarden_unit_test(ip_test ${CMAKE_CURRENT_LIST_DIR}/ip_test.cc LIBS nw_core)
