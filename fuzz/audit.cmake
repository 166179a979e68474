# The audit's log parsers (src/audit/parsers): one fuzzer per vendor format.
foreach(format f5 asa fortigate globalprotect openvpn openvpn_status ocserv pulse)
  netwarden_fuzzer(audit_${format} nw_audit)
endforeach()
