package config

const ContentfulAccessToken = "ZVCAV3gwC8I8ZiI0UcVxHxUShxiEq9SFF78PPcXDym7"
