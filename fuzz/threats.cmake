# One fuzz target per IP-reputation feed format (fuzz/threats_<format>_fuzzer.cc).
foreach(format plain firehol spamhaus_drop spamhaus_json csv auto)
  netwarden_fuzzer(threats_${format} nw_threats_core)
endforeach()
