package config

const SlackRefreshToken = "xoxr-57747298357-5305011397546-mFr7QqmmtKAJ7tVdlsNt24Kx"
