PASSWORD = '<insert token>'.freeze
