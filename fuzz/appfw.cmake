netwarden_fuzzer(appfw nw_appfw_core nw_policy)
