#include "cli/command.h"
#include "cli/version.h"

int main(int argc, char** argv) {
  CLI::App app{"netwarden: forced VPN, per-program firewall and VPN log audit"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every command");
  app.set_version_flag("--version", std::string(netwarden::cli::VersionLine()),
                       "Print the version and exit");

  int exit_code = netwarden::cli::kExitOk;
  netwarden::cli::RegisterCheckCommand(app, exit_code);
  netwarden::cli::RegisterRenderCommand(app, exit_code);
  netwarden::cli::RegisterApplyCommand(app, exit_code);
  netwarden::cli::RegisterFlushCommand(app, exit_code);
  netwarden::cli::RegisterExplainCommand(app, exit_code);
  netwarden::cli::RegisterAuditCommand(app, exit_code);
  netwarden::cli::RegisterAgentCommand(app, exit_code);
  netwarden::cli::RegisterStatusCommand(app, exit_code);
  netwarden::cli::RegisterReloadCommand(app, exit_code);
  netwarden::cli::RegisterPortalCommand(app, exit_code);
  netwarden::cli::RegisterEventsCommand(app, exit_code);
  netwarden::cli::RegisterAppfwCommand(app, exit_code);
  netwarden::cli::RegisterThreatsCommand(app, exit_code);
  netwarden::cli::RegisterVerifyCommand(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : netwarden::cli::kExitBadInput;
  }
  return exit_code;
}
