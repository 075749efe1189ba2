// Private to compiler/syntax: whether parse_file's hand-written parser (fast_parser.h) may run
// and how often it settled a file, without ANTLR's headers (for the tests).
#pragma once

#include <cstddef>

namespace iwd::compiler {

// False when the environment asks for the ANTLR parser alone (IWD_PARSER=antlr): for the
// differential tests and to compare the two.
bool fast_parser_allowed();

// How many files the fast parser has settled in this process.
std::size_t fast_parser_files();

}  // namespace iwd::compiler
