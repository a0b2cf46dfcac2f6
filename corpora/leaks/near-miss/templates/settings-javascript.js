const clientSecret = 'TODO';
module.exports = { clientSecret };
