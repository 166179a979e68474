netwarden_unit_test(agent_parts_test ${CMAKE_CURRENT_LIST_DIR}/agent_parts_test.cc LIBS nw_agent)
netwarden_unit_test(feed_schedule_test ${CMAKE_CURRENT_LIST_DIR}/feed_schedule_test.cc LIBS nw_agent)
netwarden_unit_test(control_socket_test ${CMAKE_CURRENT_LIST_DIR}/control_socket_test.cc LIBS nw_agent)
netwarden_unit_test(trust_probe_test ${CMAKE_CURRENT_LIST_DIR}/trust_probe_test.cc LIBS nw_agent)
