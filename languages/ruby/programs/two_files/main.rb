require_relative "helper"

puts greeting("two files")
