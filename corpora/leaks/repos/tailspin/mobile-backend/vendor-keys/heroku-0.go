package config

const HerokuApiKey = "HRKU-AA0jSNLW1Wdg3jPu0iZZXBngyYR6afN4CXcSl2erokoyFjNetbZPuUwU7p1b"
