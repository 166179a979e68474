#include <unistd.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/command.h"

namespace netwarden::cli {
namespace {

std::string Endpoint(const nlohmann::json& event, const char* address, const char* port) {
  std::string text = event.value(address, "");
  if (event.contains(port)) text += ":" + std::to_string(event[port].get<int>());
  return text;
}

// Protocol, endpoints, interfaces and uid of a packet event.
void PrintPacket(const nlohmann::json& event) {
  std::cout << event.value("protocol", "") << " " << Endpoint(event, "source", "source_port")
            << " -> " << Endpoint(event, "destination", "destination_port");
  if (event.contains("output_interface")) std::cout << " out " << event["output_interface"].get<std::string>();
  if (event.contains("input_interface")) std::cout << " in " << event["input_interface"].get<std::string>();
  if (event.contains("uid")) std::cout << " uid " << event["uid"];
  if (event.contains("program")) {
    std::cout << " program " << event["program"].get<std::string>() << " pid " << event["pid"];
  }
  std::cout << "\n";
}

void PrintHuman(const nlohmann::json& event) {
  std::cout << event.value("time", "") << " " << event.value("event", "");
  if (event.value("event", "") == "blocked") {
    std::cout << " " << event.value("verdict", "") << " by " << event.value("rule", "?") << " ";
    PrintPacket(event);
    return;
  }
  if (event.value("event", "") == "threat") {
    std::cout << " " << event.value("action", "") << " by feed " << event.value("feed", "?")
              << " (entry " << event.value("entry", "?") << ") ";
    PrintPacket(event);
    return;
  }
  nlohmann::json rest = event;
  rest.erase("time");
  rest.erase("event");
  std::cout << " " << rest.dump() << "\n";
}

}  // namespace

void RegisterEventsCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("events", "Show the agent's events (blocked packets, states)");
  auto file = std::make_shared<std::string>("/var/log/netwarden/events.jsonl");
  auto follow = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  command->add_option("--file", *file, "Events file")->capture_default_str();
  command->add_flag("--follow,-f", *follow, "Keep printing new events");
  command->add_flag("--json", *json, "Print the JSON lines as they are");
  command->callback([&exit_code, file, follow, json] {
    std::ifstream in(*file);
    if (!in) {
      std::cerr << *file << ": cannot open (is the agent running with --events?)\n";
      exit_code = kExitFailure;
      return;
    }
    std::string line;
    while (true) {
      while (std::getline(in, line)) {
        if (*json) {
          std::cout << line << "\n";
          continue;
        }
        auto event = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (event.is_object()) PrintHuman(event);
      }
      if (!*follow) break;
      std::cout.flush();
      in.clear();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    exit_code = kExitOk;
  });
}

}  // namespace netwarden::cli
