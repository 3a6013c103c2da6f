// The source of /opt/zig-seed/iostream.pch.xz (precompile.py): it must exist where the PCH was
// built, and diagnostics name it ("In file included from /opt/zig-seed/iostream.cpp:1").
#include <iostream>
