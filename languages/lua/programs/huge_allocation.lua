-- 2 GB asked for at once (the longest string Lua makes): the address-space backstop refuses it
-- ("not enough memory").
local region = string.rep("x", (1 << 31) - 1)
print(#region)
