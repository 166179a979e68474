# The audit report's escapers (issue 11 item 3): properties checked on arbitrary strings.
netwarden_fuzzer(audit_report_safety nw_audit nlohmann_json::nlohmann_json)
