// Private to compiler/jit: the functions generated code calls by name (defined in jit.cpp), for
// the table of them (native_symbols(), elf_loader.h) that the JIT's symbol map and the ELF
// loader both resolve against.
#pragma once

#include <cstdint>

#include "compiler/jit/jit.h"

extern "C" std::int64_t iwd_jit_share_age(const iwd::compiler::JitArgs* args, double share);
extern "C" std::int64_t iwd_jit_business_time(const iwd::compiler::JitArgs* args, std::int32_t calendar,
                                              std::int64_t from, std::int64_t to);
extern "C" std::int64_t iwd_jit_add_business(const iwd::compiler::JitArgs* args, std::int32_t calendar,
                                             std::int64_t from, std::int64_t ms);
extern "C" std::int64_t iwd_jit_share_age_of_clock(const iwd::compiler::Interpreter* interp, std::int64_t start,
                                                   std::int64_t window, std::int64_t sla_calendar, std::int64_t age_calendar,
                                                   double share);
extern "C" const iwd::stdlib::BusinessCalendar* iwd_jit_calendar(const iwd::compiler::JitArgs* args, std::int32_t calendar);
extern "C" std::int64_t iwd_jit_open_time(const iwd::stdlib::BusinessCalendar* calendar, std::int64_t from, std::int64_t to);
extern "C" std::int64_t iwd_jit_open_add(const iwd::stdlib::BusinessCalendar* calendar, std::int64_t from, std::int64_t ms);
extern "C" std::uint8_t iwd_jit_skill(const iwd::compiler::JitArgs* args, std::uint32_t skill, std::int64_t* out);
extern "C" std::uint8_t iwd_jit_agent_attribute(const iwd::compiler::JitArgs* args, std::uint32_t name, std::int64_t* out);
extern "C" std::uint8_t iwd_jit_list_contains(const iwd::compiler::JitArgs* args, std::int64_t list, std::int64_t value,
                                              std::uint8_t present);
extern "C" void iwd_jit_clock(const iwd::compiler::JitArgs* args, std::int32_t process, std::int64_t now,
                              iwd::runtime::abi::ItemClock* out);
extern "C" std::uint8_t iwd_jit_slow(const iwd::compiler::JitArgs* args, std::uint32_t fn, std::uint32_t at,
                                     const std::int64_t* ri, const double* rf, const std::uint8_t* rp,
                                     std::int64_t* out_i, double* out_f);
