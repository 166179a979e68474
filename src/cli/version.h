#pragma once
// The line `netwarden --version` prints: "netwarden X.Y.Z (<git describe>)", or "netwarden X.Y.Z"
// when built outside a git checkout. X.Y.Z is project(VERSION) in CMakeLists.txt; the text is
// generated at build time (cmake/version.cmake).

namespace netwarden::cli {

const char* VersionLine();

}  // namespace netwarden::cli
