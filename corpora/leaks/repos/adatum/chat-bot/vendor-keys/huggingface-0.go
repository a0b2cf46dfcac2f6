package config

const HfToken = "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"
