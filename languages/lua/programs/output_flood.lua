local line = string.rep("flood ", 100)
while true do
    print(line)
end
