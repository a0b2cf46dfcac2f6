package config

const AnthropicApiKey = "sk-ant-api03-KH8WC-uH1seBe9Dlaeng0pP0Ghi2U6IzOh0_j2M3-M0MkRMVHCD46b6-PkSuskhIocdFpDOi8hxplxVG-E-KqJuP4eyWEAA"
