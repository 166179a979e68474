add_test(NAME golden_baselines COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/run.sh $<TARGET_FILE:netwarden>)
set_tests_properties(golden_baselines PROPERTIES LABELS unit)
