sleep 0.3 # long enough for another run in this environment, if there were one, to show
runs = Dir.children("/tmp").count { |name| name.start_with?("glimpse-run-") }
puts "#{File.readlink("/proc/self/ns/pid")} #{runs}"
