package config

const GitlabApiToken = "5cA_zobx5RFtt-FMV14N"
