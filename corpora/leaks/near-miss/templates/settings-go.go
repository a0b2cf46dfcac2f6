package config

const Password = "password"
