local helper = {}

function helper.greeting(who)
    return "hello from " .. who
end

return helper
