netwarden_unit_test(agent_parts_test ${CMAKE_CURRENT_LIST_DIR}/agent_parts_test.cc LIBS nw_agent)
netwarden_unit_test(feed_schedule_test ${CMAKE_CURRENT_LIST_DIR}/feed_schedule_test.cc LIBS nw_agent)
netwarden_unit_test(reconcile_replay_test ${CMAKE_CURRENT_LIST_DIR}/reconcile_replay_test.cc LIBS nw_agent)
netwarden_unit_test(agent_scenario_test ${CMAKE_CURRENT_LIST_DIR}/agent_scenario_test.cc LIBS nw_agent)
