package config

const SquareToken = "sq0atp-KxTPgRe6cvTfMrQvJVT65k"
