const apiKey = 'w7o7FZK5fPUrRAKRPBzyJUHk8o3nUMDsUlFHRd';
module.exports = { apiKey };
