package config

const DbPassword = "Dr5~ope9DRXaFZUr2gV"
