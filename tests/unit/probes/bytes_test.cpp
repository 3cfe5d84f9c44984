#include <catch2/catch.hpp>

#include "probes/bytes.h"

using stackgate::probes::format_bytes;
using stackgate::probes::parse_bytes;

TEST_CASE("bytes: binary and decimal units", "[bytes]") {
  CHECK(parse_bytes("512").value() == 512);
  CHECK(parse_bytes("64MiB").value() == 64ull << 20);
  CHECK(parse_bytes("1GiB").value() == 1ull << 30);
  CHECK(parse_bytes("1G").value() == 1ull << 30);
  CHECK(parse_bytes("10GB").value() == 10'000'000'000ull);
  CHECK(parse_bytes("2 tib").value() == 2ull << 40);
}

TEST_CASE("bytes: bad sizes say what is wrong", "[bytes]") {
  CHECK(parse_bytes("").error() == "expected a number of bytes such as 512, 64MiB or 1GiB in ''");
  CHECK(parse_bytes("GiB").error() == "expected a number of bytes such as 512, 64MiB or 1GiB in 'GiB'");
  CHECK(parse_bytes("5x").error() ==
        "unknown unit 'x' (expected B, KiB, MiB, GiB, TiB, kB, MB, GB or TB) in '5x'");
  CHECK(parse_bytes("99999999999999PiB").error() == "number too large in '99999999999999PiB'");
}

TEST_CASE("bytes: formatted in binary units with one decimal", "[bytes]") {
  CHECK(format_bytes(0) == "0 B");
  CHECK(format_bytes(1023) == "1023 B");
  CHECK(format_bytes(1536) == "1.5 KiB");
  CHECK(format_bytes(20ull << 30) == "20.0 GiB");
}
