package config

const VaultToken = "hvs.WKOFII2KsF9vfwkZwLHn18bR"
