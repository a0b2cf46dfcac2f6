package config

const MapboxSecretToken = "sk.eyJ1IjoiY29ycHVzIiwiYSI6IEgC9ChRk9SNNImdMSKAm.OoALB2gzTRXjBdLp62VPrc"
