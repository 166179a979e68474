#include <nftables/libnftables.h>

#include "dataplane/nft/nft_runner.h"

namespace netwarden::nft {
namespace {

class LibnftablesRunner final : public NftRunner {
 public:
  Result<std::string> Run(const std::string& script, bool json_output) override {
    // A fresh context per call: no cached ruleset state can leak between transactions.
    std::unique_ptr<nft_ctx, decltype(&nft_ctx_free)> ctx(nft_ctx_new(NFT_CTX_DEFAULT),
                                                          &nft_ctx_free);
    if (!ctx) return MakeError(ErrorCode::kKernel, "libnftables: cannot create a context");
    nft_ctx_output_set_flags(ctx.get(), json_output ? NFT_CTX_OUTPUT_JSON : 0);
    if (nft_ctx_buffer_output(ctx.get()) != 0 || nft_ctx_buffer_error(ctx.get()) != 0) {
      return MakeError(ErrorCode::kKernel, "libnftables: cannot buffer output");
    }
    const int rc = nft_run_cmd_from_buffer(ctx.get(), script.c_str());
    if (rc != 0) {
      std::string message = nft_ctx_get_error_buffer(ctx.get());
      while (!message.empty() && message.back() == '\n') message.pop_back();
      return MakeError(ErrorCode::kKernel,
                       "nftables refused the transaction: " +
                           (message.empty() ? std::string("unknown error") : message));
    }
    return std::string(nft_ctx_get_output_buffer(ctx.get()));
  }
};

}  // namespace

std::unique_ptr<NftRunner> MakeLibnftablesRunner() { return std::make_unique<LibnftablesRunner>(); }

bool IsNotFound(const Error& error) {
  return error.message.find("No such file or directory") != std::string::npos;
}

}  // namespace netwarden::nft
