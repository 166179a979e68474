// Feed text in the plain format -> parser, merge, validation, lookup. Nothing may crash.
#include "threats_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return FuzzThreatFeed(data, size, netwarden::threats::FeedFormat::kPlain);
}
