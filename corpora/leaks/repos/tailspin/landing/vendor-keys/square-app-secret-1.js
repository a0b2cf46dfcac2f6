const squareAppSecret = 'sq0csp-T1nYVFizkwljwcwqDvYh63Jq3IjHBMa152ajo7FhKqT';
module.exports = { squareAppSecret };
