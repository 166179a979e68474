netwarden_unit_test(ip_test ${CMAKE_CURRENT_LIST_DIR}/ip_test.cc LIBS nw_core)
netwarden_unit_test(policy_parser_test ${CMAKE_CURRENT_LIST_DIR}/policy_parser_test.cc LIBS nw_policy)
netwarden_unit_test(decision_test ${CMAKE_CURRENT_LIST_DIR}/decision_test.cc LIBS nw_decision)
netwarden_unit_test(nft_dataplane_test ${CMAKE_CURRENT_LIST_DIR}/nft_dataplane_test.cc LIBS nw_dataplane nw_policy)
