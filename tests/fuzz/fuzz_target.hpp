#pragma once

#include <cstddef>
#include <cstdint>

/// The libFuzzer entry point that each target in this directory defines: runs
/// one input, aborts on a crash or a broken invariant, returns 0 otherwise.
/// Linked with libFuzzer in the fuzz preset and with replay_main.cpp elsewhere.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);
