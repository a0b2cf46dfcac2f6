package config

import "os"

var (
	Password = os.Getenv("DB_PASSWORD")
	APIKey   = os.Getenv("API_KEY")
)
