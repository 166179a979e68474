#pragma once
// Each subcommand lives in its own cmd_*.cc and registers itself on the CLI11 app here.
// A command's callback stores its process exit code in `exit_code`.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace netwarden::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // runtime failure (kernel, I/O)
inline constexpr int kExitBadInput = 2;     // a policy/situation/argument is wrong

// "42s", "17m", "5h", "3d": durations in status lines.
std::string HumanDuration(int64_t seconds);

void RegisterCheckCommand(CLI::App& app, int& exit_code);
void RegisterRenderCommand(CLI::App& app, int& exit_code);
void RegisterApplyCommand(CLI::App& app, int& exit_code);
void RegisterFlushCommand(CLI::App& app, int& exit_code);
void RegisterExplainCommand(CLI::App& app, int& exit_code);
void RegisterAuditCommand(CLI::App& app, int& exit_code);
void RegisterAgentCommand(CLI::App& app, int& exit_code);
void RegisterStatusCommand(CLI::App& app, int& exit_code);
void RegisterReloadCommand(CLI::App& app, int& exit_code);
void RegisterPortalCommand(CLI::App& app, int& exit_code);
void RegisterEventsCommand(CLI::App& app, int& exit_code);
void RegisterAppfwCommand(CLI::App& app, int& exit_code);
void RegisterThreatsCommand(CLI::App& app, int& exit_code);
void RegisterVerifyCommand(CLI::App& app, int& exit_code);

}  // namespace netwarden::cli
