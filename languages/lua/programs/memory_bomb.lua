local blocks = {}
while true do
    blocks[#blocks + 1] = string.rep("x", 16 * 1024 * 1024)
end
