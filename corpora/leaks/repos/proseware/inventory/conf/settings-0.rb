PASSWORD = 'sioxu*2HBDALn2fLV'.freeze
