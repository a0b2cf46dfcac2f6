package config

const Password = "6ruL1TR*50Dvf8w1"
