def greeting(name)
  "hello from #{name}"
end
