-- Lua has no sleep: about 0.3 s of processor time instead, long enough for another run in this
-- environment, if there were one, to show. No directory listing or readlink either: the shell's.
local start = os.clock()
while os.clock() - start < 0.3 do end
local runs = 0
for name in io.popen("ls /tmp"):lines() do
    if name:find("^glimpse%-run%-") then runs = runs + 1 end
end
print(io.popen("readlink /proc/self/ns/pid"):read("l") .. " " .. runs)
