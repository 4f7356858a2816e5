#!/usr/bin/env bash
# Prints the C compiler and linker that NativeAOT should drive here (clang by any of its Debian names, else gcc);
# exits 1 when there is none. Used by ./electra (to build the native executable) and tools/ensure-deps.sh (to
# install clang for the tests where no compiler exists).
for c in clang clang-20 clang-19 clang-18 clang-17 clang-16 clang-15 clang-14 gcc; do
  command -v "$c" >/dev/null 2>&1 && { echo "$c"; exit 0; }
done
exit 1
